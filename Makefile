# userapis-go — the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: demo test test-node generate check-generated vet lint fuzz bench breaking apidiff compat docs docs-tools lint-api soak

## demo: walk a realistic scenario through all four services on in-process fakes
demo:
	$(GO) run ./cmd/userapis demo

## test: the whole suite with the race detector (fuzz targets run their seed corpora),
## then the other-language test of the served fakes (test-node)
test:
	$(GO) test -race -count=1 $(PKGS)
	$(MAKE) --no-print-directory test-node

## test-node: `userapis serve` driven from Node's built-in test runner, as a team in
## another language would (tests/node; Node.js 20 or newer, nothing to install)
test-node:
	@command -v node >/dev/null || { echo "test-node: Node.js not found (install Node.js 20 or newer: the other-language test of the fakes needs it)"; exit 1; }
	$(GO) build -o build/userapis ./cmd/userapis
	USERAPIS_BIN=build/userapis node --test tests/node/

## generate: regenerate gen/ from api/
generate:
	$(GO) generate $(PKGS)

## check-generated: fail when gen/ differs from what api/ produces
check-generated: generate
	git diff --exit-code -- gen/
	@test -z "$$(git status --porcelain -- gen/)" || (git status --porcelain -- gen/; echo "untracked files in gen/"; exit 1)

vet:
	$(GO) vet $(PKGS)

## lint: staticcheck (pinned; fetched through the module proxy, not a module dependency)
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) run $(STATICCHECK) $(PKGS)

## fuzz: fuzz each target of tests/fuzz and client for FUZZTIME (default 30s), one after another
## (go test -fuzz takes one target per run; new crashers land in <package>/testdata/fuzz/)
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 10s
FUZZPKGS := ./tests/fuzz/ ./client/
fuzz:
	@set -e; for pkg in $(FUZZPKGS); do \
		targets="$$($(GO) test -list='^Fuzz' $$pkg | grep '^Fuzz')"; \
		test -n "$$targets" || { echo "no fuzz targets in $$pkg"; exit 1; }; \
		for t in $$targets; do \
			echo "== $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) $$pkg; \
		done; \
	done

## bench: benchmarks of tests/bench (-count 6, into bench.out) summarised with benchstat,
## the facade/baseline ratio table and `go generate` timing (scripts/bench.sh; BENCHMARKS.md)
bench:
	bash scripts/bench.sh

## breaking: fail on a breaking change to api/*.yaml since BASE (default: the previous commit) unless info.version's major was raised
BASE ?= HEAD~1
breaking:
	bash scripts/breaking.sh $(BASE)

## apidiff: fail on an incompatible change to the Go API of client/ or the fakes since BASE unless CHANGELOG.md's [Unreleased] Breaking section names it
apidiff:
	bash scripts/apidiff.sh $(BASE)

## compat: third-party clients against the fakes (tests/compat/*, modules of their own): Harbor's go-swagger go-client
compat:
	# -mod=mod: the module replaces this one with ../../.., so a change of this
	# module's requirements must not need a hand-run go mod tidy there first.
	cd tests/compat/harborgoclient && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -count=1 ./...

## docs-tools: the pinned Redocly CLI (docs/package.json, docs/package-lock.json) into docs/node_modules
docs-tools:
	cd docs && npm ci --no-audit --no-fund --loglevel=error

## lint-api: lint api/*.yaml with Redocly CLI's recommended rules (redocly.yaml says what is off and why)
lint-api: docs-tools
	docs/node_modules/.bin/redocly lint --config redocly.yaml --format=summary

## docs: the rendered API reference, one self-contained page per service and an index, into build/docs
docs: docs-tools
	bash scripts/docs.sh build/docs

## soak: each fake as a `userapis serve` process under create/delete churn for SOAK_DURATION (default 2m):
## RSS over time, p50 list/delete latency at start and end, against the targets (BENCHMARKS.md §7)
SOAK_DURATION ?= 2m
soak:
	SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -run TestSoak -v -count=1 -timeout 15m ./tests/soak/
