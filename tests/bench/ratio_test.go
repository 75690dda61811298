package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	ratioFlag   = flag.Bool("ratio", false, "TestRatioTable: measure facade/baseline and retry ratios and print the table")
	ratioRounds = flag.Int("ratio.rounds", 10, "TestRatioTable: alternating rounds per comparison")
	ratioTime   = flag.Duration("ratio.benchtime", 300*time.Millisecond, "TestRatioTable: benchtime of one side in one round")
)

// measured is one testing.Benchmark result.
type measured struct{ ns, cpu, bytes, allocs float64 }

func measure(s side) measured {
	r := testing.Benchmark(func(b *testing.B) { benchCall(b, s) })
	return measured{ns: float64(r.NsPerOp()), cpu: r.Extra["cpu-ns/op"], bytes: float64(r.AllocedBytesPerOp()), allocs: float64(r.AllocsPerOp())}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// compare runs a and b alternately, rounds times each, and returns their
// medians and the medians of the per-round ratios b/a of wall and of CPU
// time (alternating keeps a change in the machine's load from favouring
// one side).
func compare(a, b side, rounds int) (ma, mb measured, ratio, cpuRatio float64) {
	var as, bs []measured
	var ratios, cpuRatios []float64
	for range rounds {
		x, y := measure(a), measure(b)
		as, bs = append(as, x), append(bs, y)
		ratios = append(ratios, y.ns/x.ns)
		cpuRatios = append(cpuRatios, y.cpu/x.cpu)
	}
	pick := func(ms []measured, f func(measured) float64) float64 {
		var v []float64
		for _, m := range ms {
			v = append(v, f(m))
		}
		return median(v)
	}
	med := func(ms []measured) measured {
		return measured{
			ns:     pick(ms, func(m measured) float64 { return m.ns }),
			cpu:    pick(ms, func(m measured) float64 { return m.cpu }),
			bytes:  pick(ms, func(m measured) float64 { return m.bytes }),
			allocs: pick(ms, func(m measured) float64 { return m.allocs }),
		}
	}
	return med(as), med(bs), median(ratios), median(cpuRatios)
}

// TestRatioTable prints the facade/baseline table of BENCHMARKS.md (fixed
// server) and the retry ratio. It runs only with -ratio (scripts/bench.sh
// passes it) and asserts nothing about timing: the targets are judged in
// the report, not here.
//
//	go test -run '^TestRatioTable$' -ratio -v ./tests/bench/
func TestRatioTable(t *testing.T) {
	if !*ratioFlag {
		t.Skip("measures only with -ratio")
	}
	rounds := *ratioRounds
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set(ratioTime.String()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bt.Value.Set(old) }()

	var out strings.Builder
	fmt.Fprintf(&out, "\nPer call, fixed server: medians of %d alternating rounds of %v per side; ratios are medians of the per-round facade/baseline ratios, of wall time (ns/op) and of process CPU time (cpu-ns/op)\n\n", rounds, *ratioTime)
	fmt.Fprintln(&out, "| call | baseline ns/op | facade ns/op | ratio (≤ 1.05) | CPU ratio | baseline B/op | facade B/op | baseline allocs/op | facade allocs/op | extra allocs (≤ 10) |")
	fmt.Fprintln(&out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range callCases {
		facade, baseline := setupPair(t, c, "fixed")
		b, f, r, cr := compare(baseline, facade, rounds)
		fmt.Fprintf(&out, "| %s | %.0f | %.0f | %.3f %s | %.3f | %.0f | %.0f | %.0f | %.0f | %+.0f %s |\n",
			c.name, b.ns, f.ns, r, mark(r <= 1.05), cr, b.bytes, f.bytes, b.allocs, f.allocs, f.allocs-b.allocs, mark(f.allocs-b.allocs <= 10))
	}

	fmt.Fprintf(&out, "\nRetry: Harbor GetUser after one 503 with Retry-After: 0 against a clean call, medians of %d alternating rounds\n\n", rounds)
	fmt.Fprintln(&out, "| server | clean ns/op | after-503 ns/op | ratio (≤ 2) | CPU ratio | clean allocs/op | after-503 allocs/op |")
	fmt.Fprintln(&out, "|---|---:|---:|---:|---:|---:|---:|")
	for _, server := range []string{"fixed", "fake"} {
		call, failNext := retrySetup(t, server)
		clean := side{call: func(ctx context.Context) error { _, err := call(ctx); return err }}
		retried := side{call: func(ctx context.Context) error {
			failNext()
			resp, err := call(ctx)
			if err == nil && resp.Attempts != 2 {
				err = fmt.Errorf("%d attempts, want 2", resp.Attempts)
			}
			return err
		}}
		c, r, ratio, cr := compare(clean, retried, rounds)
		fmt.Fprintf(&out, "| %s | %.0f | %.0f | %.3f %s | %.3f | %.0f | %.0f |\n", server, c.ns, r.ns, ratio, mark(ratio <= 2), cr, c.allocs, r.allocs)
	}
	fmt.Fprint(os.Stdout, out.String())
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
