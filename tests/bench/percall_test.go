package bench

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// BenchmarkPerCall times one call of each case, facade against the
// hand-written baseline: in memory (the fake's recorded answer handed back
// by the transport: the client side alone, without the noise of a
// loopback round trip), on a fixed server (that answer replayed over
// loopback, so both sides pay the same small server cost) and on the real
// fake (informative: the fake's validation dominates).
//
//	go test -run '^$' -bench PerCall -benchmem ./tests/bench/
//	benchstat -col /impl bench.out
func BenchmarkPerCall(b *testing.B) {
	for _, server := range []string{"memory", "fixed", "fake"} {
		for _, c := range callCases {
			b.Run("server="+server+"/call="+c.name, func(b *testing.B) {
				facade, baseline := setupPair(b, c, server)
				b.Run("impl=baseline", func(b *testing.B) { benchCall(b, baseline) })
				b.Run("impl=facade", func(b *testing.B) { benchCall(b, facade) })
			})
		}
	}
}

func benchCall(b *testing.B, s side) {
	ctx := context.Background()
	// One untimed call opens the connection.
	if err := s.call(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := s.call(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// TestPerCallSidesAgree checks that facade and baseline decode the same
// values from every server the benchmarks use, so that they compare the
// same work. It measures nothing.
func TestPerCallSidesAgree(t *testing.T) {
	for _, server := range []string{"memory", "fixed", "fake"} {
		for _, c := range callCases {
			t.Run(server+"/"+c.name, func(t *testing.T) {
				facade, baseline := setupPair(t, c, server)
				ctx := context.Background()
				for _, s := range []side{facade, baseline} {
					if err := s.call(ctx); err != nil {
						t.Fatal(err)
					}
				}
				f, bl := asJSON(t, facade.result()), asJSON(t, baseline.result())
				if !reflect.DeepEqual(f, bl) {
					t.Fatalf("facade and baseline disagree:\nfacade   %v\nbaseline %v", f, bl)
				}
				if isEmpty(f) {
					t.Fatalf("empty result %v", f)
				}
			})
		}
	}
}

// asJSON re-encodes v generically, so generated and hand-written types
// compare by their JSON.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	// GetUserSelf returns the unwrapped user; the baseline decodes the
	// document's wrapper {"item": ...}.
	if m, ok := out.(map[string]any); ok && len(m) == 1 {
		if item, ok := m["item"]; ok {
			return item
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
