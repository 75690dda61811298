// Package contracttest checks the contract in both directions: every
// facade method runs against its fake through a validating transport
// (internal/contract, kin-openapi openapi3filter), so every request the
// client sends and every response the fake returns — success and error
// answers alike — is validated against the document in api/. TestContract
// reports the operations covered per service and fails when an operation is not covered or on
// any violation.
package contracttest

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/internal/contract"
)

// env is one service's document, validating transport and the
// *http.Client every facade client of that service shares.
type env struct {
	name string
	ops  []string // every operationId of the document
	tr   *contract.Transport
	hc   *http.Client
}

// newEnv loads api/<name>.yaml, rebases it onto baseURL and returns a
// client transport that validates every exchange. skip passes requests
// outside the document (an OAuth2 token endpoint) through unvalidated.
func newEnv(t *testing.T, name, baseURL string, skip func(*http.Request) bool) *env {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/" + name + ".yaml")
	require.NoError(t, err)
	ops := contract.OperationIDs(doc)
	v, err := contract.New(doc, baseURL)
	require.NoError(t, err)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	tr := &contract.Transport{V: v, Next: base, Skip: skip}
	return &env{name: name, ops: ops, tr: tr, hc: &http.Client{Transport: tr}}
}

// opts are the options of every facade client in this package: the
// validating transport, and no retries, so that each call is one exchange
// and an error answer reaches the test as it was sent.
func (e *env) opts(baseURL string, more ...client.ClientOption) []client.ClientOption {
	return append([]client.ClientOption{
		client.WithBaseURL(baseURL),
		client.WithHTTPClient(e.hc),
		client.WithMaxRetries(0),
		client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
		client.WithTimeout(30 * time.Second),
	}, more...)
}

// wantStatus asserts err is an *APIError with the given status.
func wantStatus(t *testing.T, err error, status int, what string) {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: want an *APIError with status %d, got %v", what, status, err)
		return
	}
	if ae.StatusCode != status {
		t.Errorf("%s: want status %d, got %d (%v)", what, status, ae.StatusCode, err)
	}
}

// report is one row of the coverage table.
type report struct {
	service  string
	ran      bool
	ops      []string
	covered  []string
	statuses map[string]map[int]int
	errs     []error
}

func (r report) missing() []string {
	have := map[string]bool{}
	for _, op := range r.covered {
		have[op] = true
	}
	var out []string
	for _, op := range r.ops {
		if !have[op] {
			out = append(out, op)
		}
	}
	return out
}

// allStatuses is the sorted set of statuses seen across the service.
func (r report) allStatuses() []int {
	set := map[int]bool{}
	for _, m := range r.statuses {
		for s := range m {
			set[s] = true
		}
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " ")
}

// table renders the coverage table: one row per service, then one line per
// operation with the statuses it answered.
func table(rows []report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s | %-13s | %s\n", "service", "covered/total", "statuses seen")
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", 72))
	cov, total := 0, 0
	for _, r := range rows {
		if !r.ran {
			fmt.Fprintf(&b, "%-8s | %-13s | (not run)\n", r.service, fmt.Sprintf("-/%d", len(r.ops)))
			total += len(r.ops)
			continue
		}
		n := len(r.ops) - len(r.missing())
		cov += n
		total += len(r.ops)
		fmt.Fprintf(&b, "%-8s | %-13s | %s\n", r.service, fmt.Sprintf("%d/%d", n, len(r.ops)), joinInts(r.allStatuses()))
	}
	fmt.Fprintf(&b, "%-8s | %-13s |\n", "total", fmt.Sprintf("%d/%d", cov, total))
	for _, r := range rows {
		if !r.ran {
			continue
		}
		b.WriteString("\n" + r.service + ":\n")
		for _, op := range r.ops {
			m := r.statuses[op]
			codes := make([]int, 0, len(m))
			for c := range m {
				codes = append(codes, c)
			}
			sort.Ints(codes)
			if len(codes) == 0 {
				fmt.Fprintf(&b, "  %-38s NOT COVERED\n", op)
				continue
			}
			fmt.Fprintf(&b, "  %-38s %s\n", op, joinInts(codes))
		}
	}
	return b.String()
}
