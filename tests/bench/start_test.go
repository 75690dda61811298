package bench

import (
	"testing"

	"github.com/userapis/userapis-go/internal/services"
)

// BenchmarkStart is what a test that starts a fresh fake pays: Start (a
// listener on 127.0.0.1 and the fake's state) and Close, per service. The
// documents are parsed and the routers built once per process, so this is
// the state and the listener only (target ≤ 1 ms and a few hundred
// allocations, BENCHMARKS.md).
func BenchmarkStart(b *testing.B) {
	for _, svc := range services.All {
		b.Run(svc.Name, func(b *testing.B) {
			start := func() {
				f, err := svc.Listen("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			start() // the first start in a process parses the document
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start()
			}
		})
	}
}
