#!/usr/bin/env bash
# Benchmarks (see BENCHMARKS.md): runs the benchmarks of tests/bench COUNT
# times into $OUT, summarises them with benchstat (run with `go run`, so it is
# no dependency of the module), prints the facade/baseline and retry ratio
# table, runs the go-swagger contender (tests/bench/goswagger), and times
# `go generate ./...` GENRUNS times.
#
# usage: scripts/bench.sh            (make bench)
# env:   COUNT (6)  BENCH (.)  OUT (bench.out)  GENRUNS (3)  RATIO (1: print the ratio table)
#        BENCHSTAT (go run golang.org/x/perf/cmd/benchstat@<pinned version>)
set -euo pipefail
cd "$(dirname "$0")/.."

count="${COUNT:-6}"
bench="${BENCH:-.}"
out="${OUT:-bench.out}"
genruns="${GENRUNS:-3}"
benchstat="${BENCHSTAT:-go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}"

echo "== machine"
go version
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null) memory"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

echo
echo "== go test -run '^\$' -bench '$bench' -benchmem -count $count ./tests/bench/ | tee $out"
go test -run '^$' -bench "$bench" -benchmem -count "$count" -timeout 60m ./tests/bench/ | tee "$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

echo
echo "== benchstat $out"
if $benchstat "$out" >/dev/null 2>benchstat.err; then
  rm -f benchstat.err
  $benchstat "$out"
  echo
  echo "== benchstat -filter '.name:PerCall OR .name:Parts' -col /impl $out   (facade against baseline)"
  $benchstat -filter '.name:PerCall OR .name:Parts' -col /impl "$out"
  echo
  echo "== benchstat -filter '.name:Retry' -col /case $out   (after one 503 against clean)"
  $benchstat -filter '.name:Retry' -col /case "$out"
else
  echo "benchstat could not run ($benchstat):" >&2
  cat benchstat.err >&2
  rm -f benchstat.err
fi

echo
echo "== go-swagger contender (tests/bench/goswagger, a module of its own): Harbor GetUser by baseline, facade and github.com/goharbor/go-client"
(cd tests/bench/goswagger && go test -run '^$' -bench . -benchmem -count "$count" . | tee ../../../bench-goswagger.out)
if $benchstat bench-goswagger.out >/dev/null 2>&1; then
  $benchstat -col /impl bench-goswagger.out
fi

if [ "${RATIO:-1}" = 1 ]; then
  echo
  echo "== go test -run '^TestRatioTable\$' -count=1 -v ./tests/bench/ -args -ratio"
  go test -run '^TestRatioTable$' -count=1 -v -timeout 30m ./tests/bench/ -args -ratio
fi

echo
echo "== go generate ./...  ($genruns runs, in a copy of the tracked tree so that gen/ here is never rewritten)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$tmp"
TIMEFORMAT='%R s wall, %U s user, %S s sys'
for i in $(seq 1 "$genruns"); do
  printf 'run %d: ' "$i"
  { time (cd "$tmp" && go generate ./...) ; } 2>&1
done
if diff -r gen "$tmp/gen" >/dev/null; then
  echo "gen/ regenerated identical to the tree's"
else
  echo "note: the regenerated gen/ differs from the tree's (api/ and gen/ out of step?)"
fi
