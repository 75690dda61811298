package securitytest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/contract"
)

// hostileValues are path parameters that try to change the endpoint.
var hostileValues = []string{
	"", ".", "..", "/", "//", "./", "../", "./.", "../..", "a/../b", "../me", "..%2f..", "%2e", "%2e%2e", "%2E%2E",
	"%2f", "%252e%252e", ".%2e", "?", "#", "?x=1", "#frag", "x?y", "x#y", "%", "%zz", ";", ";..", "\\..", "..\\",
	" ", " .. ", "\t", "\n", "\x00", "..\x00", "~", "*", "ü", "日本語", "\u202e..", "\uff0e\uff0e", "\u2024\u2024",
	"ada@example.com/reset_password", "x/reset_password", "reset_password", "profile-image", "me",
	strings.Repeat("a", 8192), strings.Repeat("../", 1000), strings.Repeat("é", 3000),
}

// mustRefuse are the values the facade must refuse before sending: they
// would change the endpoint after url.PathEscape (design notes).
var mustRefuse = map[string]bool{"": true, ".": true, "..": true}

// countingTransport counts the requests that leave the client.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// pathCase is one facade method with a string path parameter.
type pathCase struct {
	op   string // the operationId the call must reach, if any
	call func(ctx context.Context, hc *http.Client, value string) error
}

// runHostile calls every case with every hostile value through a fresh
// validating transport and checks that the call was either refused with
// ErrInvalidParam (nothing sent, nothing reached the fake) or routed to
// its own operation, both by the document's router on the client side and
// by the fake (whose per-operation request counters must move for that
// operation only).
func runHostile(t *testing.T, doc *openapi3.T, baseURL string, faults *fake.Faults, cases []pathCase) {
	v, err := contract.New(doc, baseURL)
	require.NoError(t, err)
	ops := contract.OperationIDs(v.Doc())
	snapshot := func() map[string]int {
		m := map[string]int{}
		for _, op := range ops {
			m[op] = faults.Requests(op)
		}
		return m
	}
	base := transport(t)
	ctx := context.Background()
	for _, c := range cases {
		for _, value := range hostileValues {
			counter := &countingTransport{next: base}
			tr := &contract.Transport{V: v, Next: counter}
			before := snapshot()
			err := c.call(ctx, &http.Client{Transport: tr}, value)
			after := snapshot()
			name := c.op + "(" + quoteShort(value) + ")"

			changed := map[string]int{}
			for op, n := range after {
				if d := n - before[op]; d != 0 {
					changed[op] = d
				}
			}
			if errors.Is(err, client.ErrInvalidParam) {
				assert.Zero(t, counter.n.Load(), "%s: refused, yet a request was sent", name)
				assert.Empty(t, changed, "%s: refused, yet the fake saw requests", name)
				continue
			}
			if mustRefuse[value] {
				t.Errorf("%s: must be refused with ErrInvalidParam before sending, got %v", name, err)
			}
			if counter.n.Load() == 0 {
				t.Errorf("%s: nothing was sent, yet the error is not ErrInvalidParam: %v", name, err)
				continue
			}
			assert.Equal(t, []string{c.op}, tr.Covered(), "%s: the document routes the request to another endpoint (or none)", name)
			assert.Equal(t, map[string]int{c.op: int(counter.n.Load())}, changed, "%s: the fake routed the request to another operation (or none)", name)
		}
	}
}

func quoteShort(s string) string {
	if len(s) > 24 {
		return strings.ReplaceAll(s[:24], "\n", `\n`) + "…"
	}
	return strings.ReplaceAll(s, "\n", `\n`)
}

func loadDoc(t *testing.T, name string) *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/" + name + ".yaml")
	require.NoError(t, err)
	return doc
}

func TestHostilePathParamsKipu(t *testing.T) {
	srv := kipufake.Start()
	t.Cleanup(srv.Close)
	users := srv.Fake.UserCount()
	// Tokens without usedAt, which authenticating with Ada's token moves.
	tokensOf := func(id string) []kipu.AccessTokenDto {
		list := srv.Fake.Tokens(id)
		for i := range list {
			list[i].UsedAt = nil
		}
		return list
	}
	tokens := map[string][]kipu.AccessTokenDto{}
	for _, id := range []string{kipufake.AdaID, kipufake.AlanID, kipufake.GraceID} {
		tokens[id] = tokensOf(id)
	}
	img, ct, ok := srv.Fake.ProfileImage(kipufake.AlanID)
	require.True(t, ok)

	newKipu := func(hc *http.Client) *client.Kipu {
		k, err := client.NewKipu(client.WithBaseURL(srv.URL), client.WithHTTPClient(hc), client.WithPersonalAccessToken(srv.Token),
			client.WithMaxRetries(0), client.WithTimeout(10*time.Second))
		require.NoError(t, err)
		return k
	}
	runHostile(t, loadDoc(t, "kipu"), srv.URL, srv.Faults, []pathCase{
		{"getUserById", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newKipu(hc).GetUserByID(ctx, v)
			return err
		}},
		{"checkUserExists", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newKipu(hc).CheckUserExists(ctx, v)
			return err
		}},
		{"getUserProfileImage", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newKipu(hc).GetUserProfileImage(ctx, v)
			return err
		}},
		{"deletePersonalAccessToken", func(ctx context.Context, hc *http.Client, v string) error {
			_, err := newKipu(hc).DeletePersonalAccessToken(ctx, v)
			return err
		}},
	})

	// Nothing changed: users, every token, Alan's image.
	assert.Equal(t, users, srv.Fake.UserCount())
	for id, want := range tokens {
		assert.Equal(t, want, tokensOf(id), "tokens of %s", id)
	}
	img2, ct2, ok := srv.Fake.ProfileImage(kipufake.AlanID)
	assert.True(t, ok)
	assert.Equal(t, img, img2)
	assert.Equal(t, ct, ct2)
	// The state check would notice a deletion.
	k := newKipu(&http.Client{Transport: transport(t)})
	ci := tokens[kipufake.AdaID][1]
	_, err := k.DeletePersonalAccessToken(context.Background(), ci.ID)
	require.NoError(t, err)
	assert.NotEqual(t, tokens[kipufake.AdaID], tokensOf(kipufake.AdaID))
}

func TestHostilePathParamsVectara(t *testing.T) {
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	names := srv.Fake.Usernames()
	users := map[string]vectara.User{}
	for _, n := range names {
		u, ok := srv.Fake.User(n)
		require.True(t, ok)
		users[n] = u
	}

	newVectara := func(hc *http.Client) *client.Vectara {
		v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithHTTPClient(hc), client.WithAPIKey(srv.APIKey),
			client.WithMaxRetries(0), client.WithTimeout(10*time.Second))
		require.NoError(t, err)
		return v
	}
	disable := vectara.UpdateUserRequest{Enabled: client.Ptr(false), Description: client.Ptr("hijacked")}
	runHostile(t, loadDoc(t, "vectara"), srv.URL, srv.Faults, []pathCase{
		{"getUser", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newVectara(hc).GetUser(ctx, v)
			return err
		}},
		{"updateUser", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newVectara(hc).UpdateUser(ctx, v, disable)
			return err
		}},
		{"deleteUser", func(ctx context.Context, hc *http.Client, v string) error {
			_, err := newVectara(hc).DeleteUser(ctx, v)
			return err
		}},
		{"resetUserPassword", func(ctx context.Context, hc *http.Client, v string) error {
			_, _, err := newVectara(hc).ResetUserPassword(ctx, v)
			return err
		}},
	})

	// Nothing changed: the same users with the same state, no reset.
	assert.Equal(t, names, srv.Fake.Usernames())
	for n, want := range users {
		got, ok := srv.Fake.User(n)
		assert.True(t, ok, n)
		assert.Equal(t, want, got, "user %s", n)
		assert.Zero(t, srv.Fake.PasswordResets(n), "password resets of %s", n)
	}
	// The state check would notice a deletion.
	_, err := newVectara(&http.Client{Transport: transport(t)}).DeleteUser(context.Background(), "bob")
	require.NoError(t, err)
	assert.NotEqual(t, names, srv.Fake.Usernames())
}
