// Tests of the response-size limit: a huge body or a gzip bomb fails with
// ErrResponseTooLarge after at most the limit is read, with heap bounded.
package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
)

// peakHeap runs fn while sampling the live heap, and returns how far it
// rose above where it started.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// zeros streams n zero bytes without holding them.
func zeros(w io.Writer, n int64) {
	buf := make([]byte, 64<<10)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return
		}
		n -= k
	}
}

func TestResponseTooLarge(t *testing.T) {
	const gib = 1 << 30
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zeros(zw, 256<<20) // inflates 1000-fold
	require.NoError(t, zw.Close())

	for _, tc := range []struct {
		name    string
		limit   int64 // 0: the default
		handler http.HandlerFunc
	}{
		{"1 GiB chunked", 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			zeros(w, gib)
		}},
		{"1 GiB announced", 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(gib))
			zeros(w, gib)
		}},
		{"gzip bomb", 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
		}},
		{"1 GiB chunked, 1 MiB limit", 1 << 20, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			zeros(w, gib)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tc.handler(w, r)
			}))
			defer srv.Close()
			opts := []client.ClientOption{client.WithBaseURL(srv.URL), client.WithAPIKey("k"), mtFast}
			limit := int64(client.DefaultMaxResponseSize)
			if tc.limit > 0 {
				opts = append(opts, client.WithMaxResponseSize(tc.limit))
				limit = tc.limit
			}
			v, err := client.NewVectara(opts...)
			require.NoError(t, err)
			var callErr error
			start := time.Now()
			peak := peakHeap(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_, _, callErr = v.GetUser(ctx, "ada")
			})
			took := time.Since(start)
			require.Error(t, callErr)
			assert.True(t, errors.Is(callErr, client.ErrResponseTooLarge), "%v", callErr)
			assert.Contains(t, callErr.Error(), strconv.FormatInt(limit, 10))
			assert.EqualValues(t, 1, calls.Load(), "not retried: it would be as large again")
			t.Logf("%s: limit %d MiB, peak heap +%.1f MiB, %s", tc.name, limit>>20, float64(peak)/(1<<20), took.Round(time.Millisecond))
			// At most the limit and one chunk (1 MiB) are held, plus the
			// transport's buffers.
			assert.Less(t, peak, uint64(limit+4<<20), "peak heap +%d bytes", peak)
		})
	}
}

func TestMaxResponseSizeAllowsAnswersUnderIt(t *testing.T) {
	body := `{"username":"ada","email":"ada@example.com"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey("k"), client.WithMaxResponseSize(int64(len(body))))
	require.NoError(t, err)
	_, _, err = v.GetUser(context.Background(), "ada")
	require.NoError(t, err, "a body of exactly the limit is read")
	_, _, err = v.GetUser(context.Background(), "ada", client.WithMaxResponseSize(int64(len(body)-1)))
	require.ErrorIs(t, err, client.ErrResponseTooLarge, "per call")
}
