// Package bench holds the module's benchmarks: the facade against a
// hand-written net/http + encoding/json baseline per call, paging memory,
// connection reuse and retry cost. Run them with `make bench` (see
// BENCHMARKS.md); `go test` alone runs only quick correctness checks of the
// benchmark set-ups.
package bench
