// The retry policy: which answers and failures are tried again for which
// methods, how long to wait (backoff with jitter, or the server's
// Retry-After and Retry-After-Ms), and waits that end with the context.

package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableStatus: idempotent calls retry on transient statuses; POST and
// PATCH only where the server says it did not process the request. A 500
// is retried for reads alone: real servers answer some refusals with 500
// (Homebox: a wrong current password), so resending a write repeats a
// verdict. A 429 on an authentication attempt is returned at once, because
// each refused attempt lengthens the server's lock-out.
func retryableStatus(method string, authAttempt bool, status int) bool {
	switch status {
	case http.StatusTooManyRequests:
		return !authAttempt
	case http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError:
		return method == http.MethodGet || method == http.MethodHead
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusGatewayTimeout:
		return isIdempotent(method)
	}
	return false
}

// retryableTransport: idempotent calls retry on any network failure; POST
// and PATCH only when the connection was never made, so the server cannot
// have seen the request.
func retryableTransport(idempotent, gotHeaders bool, err error) bool {
	// A body over the limit will be as large the next time.
	if errors.Is(err, ErrResponseTooLarge) {
		return false
	}
	// A certificate the client refuses, or a peer that does not speak TLS,
	// fails the same way every time.
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	// A name that does not exist will not exist a second later either;
	// other DNS failures (a timeout, a server failure) may pass.
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	if idempotent {
		return true
	}
	return !gotHeaders && !mayHaveBeenSent(err)
}

// retryAfter reads Retry-After-Ms, then Retry-After (seconds or HTTP date).
func retryAfter(h http.Header) (time.Duration, bool) {
	if v := first(h, "Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 0 {
			// A wait too long for a Duration saturates instead of wrapping
			// around to a negative (immediate) one.
			if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
				return time.Duration(math.MaxInt64), true
			}
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := first(h, "Retry-After")
	if v == "" {
		return 0, false
	}
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if (err == nil && s > math.MaxInt64/int64(time.Second)) || (errors.Is(err, strconv.ErrRange) && s > 0) {
		return time.Duration(math.MaxInt64), true
	}
	if err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// backoff is initial·2^(n-1), capped, minus up to 25% jitter.
func backoff(cfg *config, n int) time.Duration {
	d := cfg.backoff
	for i := 1; i < n && d < cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, cfg.maxBackoff)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// fitsDeadline reports whether a wait of d ends before ctx's deadline
// (with room for the attempt that follows it to start).
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// mayHaveBeenSent reports whether a failed attempt may have reached the
// server: anything but a failure to connect (dial, DNS) or to set the
// credentials.
func mayHaveBeenSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	return !errors.As(err, &dns)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
