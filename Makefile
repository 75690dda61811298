# userapis-go — the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: demo test generate check-generated vet lint fuzz bench breaking

## demo: walk a realistic scenario through all four services on in-process fakes
demo:
	$(GO) run ./cmd/userapis demo

## test: the whole suite with the race detector (fuzz targets run their seed corpora)
test:
	$(GO) test -race -count=1 $(PKGS)

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

## breaking: fail on a breaking change to api/*.yaml since BASE (default: the previous commit) unless info.version's major was raised
BASE ?= HEAD~1
breaking:
	bash scripts/breaking.sh $(BASE)
