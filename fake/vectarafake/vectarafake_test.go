package vectarafake_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/contract"
)

// splitPath sends token-endpoint requests (outside the document) straight
// to the server and every API request through the contract validator.
type splitPath struct {
	api   http.RoundTripper
	plain http.RoundTripper
}

func (s splitPath) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == vectarafake.TokenPath {
		return s.plain.RoundTrip(r)
	}
	return s.api.RoundTrip(r)
}

// env is a started fake plus a contract-checking transport.
type env struct {
	srv *vectarafake.Server
	ct  *contract.Transport
	doc *openapi3.T
	hc  *http.Client // contract-checked for the API, plain for the token endpoint
	raw *http.Client // no checking, for deliberately bad requests
}

func newVectaraEnv(t *testing.T) *env {
	t.Helper()
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/vectara.yaml")
	require.NoError(t, err)
	v, err := contract.New(doc, srv.URL)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	ct := &contract.Transport{V: v, Next: tr}
	return &env{
		srv: srv, ct: ct, doc: doc,
		hc:  &http.Client{Transport: splitPath{api: ct, plain: tr}},
		raw: &http.Client{Transport: tr},
	}
}

// client returns a facade with fast retries; the API key is used unless
// opts give other credentials.
func (e *env) client(t *testing.T, opts ...client.ClientOption) *client.Vectara {
	t.Helper()
	base := []client.ClientOption{
		client.WithBaseURL(e.srv.URL),
		client.WithHTTPClient(e.hc),
		client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	c, err := client.NewVectara(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func (e *env) apiKeyClient(t *testing.T, opts ...client.ClientOption) *client.Vectara {
	return e.client(t, append([]client.ClientOption{client.WithAPIKey(e.srv.APIKey)}, opts...)...)
}

// checkContract asserts that every exchange matched the document.
func (e *env) checkContract(t *testing.T) {
	t.Helper()
	for _, err := range e.ct.Errors() {
		t.Errorf("contract violation: %v", err)
	}
}

func apiError(t *testing.T, err error, status int) *client.APIError {
	t.Helper()
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, status, ae.StatusCode, "body: %s", ae.Body)
	require.NotEmpty(t, ae.RequestID, "every Vectara error carries a request_id")
	return ae
}

func usernames(users []vectara.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = *u.Username
	}
	return out
}

// TestVectaraContractEveryOperation drives every operation, with success
// and error answers, through the facade and checks all traffic against
// api/vectara.yaml.
func TestVectaraContractEveryOperation(t *testing.T) {
	e := newVectaraEnv(t)
	c := e.apiKeyClient(t)
	ctx := context.Background()

	page, _, err := c.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"ada@example.com", "bob", "grace@example.com", "owner@example.com"}, usernames(*page.Users))
	assert.True(t, page.Metadata == nil || page.Metadata.PageKey == nil, "one page only")

	created, resp, err := c.CreateUser(ctx, vectara.CreateUserRequest{
		Email:       "lin@example.com",
		Description: str("Analyst"),
		APIRoles:    &[]vectara.APIRole{"corpus_developer"},
		CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "viewer"}},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "lin@example.com", *created.Username, "username defaults to email")
	assert.True(t, strings.HasPrefix(*created.ID, "usr_"))
	assert.True(t, *created.Enabled)
	require.NotNil(t, created.OneTimeCode)
	assert.Len(t, *created.OneTimeCode, 6)
	assert.NotEmpty(t, *created.OneTimeCodeLink)

	got, _, err := c.GetUser(ctx, "lin@example.com")
	require.NoError(t, err)
	assert.Equal(t, *created.ID, *got.ID)
	assert.Equal(t, "Analyst", *got.Description)
	assert.Equal(t, []vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "viewer"}}, *got.CorpusRoles)
	require.NotNil(t, got.APIPolicy)
	assert.Equal(t, "corpus_developer", got.APIPolicy.Name)

	upd, _, err := c.UpdateUser(ctx, "lin@example.com", vectara.UpdateUserRequest{Enabled: boolOf(false)})
	require.NoError(t, err)
	assert.False(t, *upd.Enabled)
	assert.Equal(t, "Analyst", *upd.Description, "fields not sent stay")

	reset, _, err := c.ResetUserPassword(ctx, "lin@example.com")
	require.NoError(t, err)
	require.NotNil(t, reset.OneTimeCode)
	assert.NotEqual(t, *created.OneTimeCode, *reset.OneTimeCode)
	assert.Equal(t, 1, e.srv.Fake.PasswordResets("lin@example.com"))

	resp, err = c.DeleteUser(ctx, "lin@example.com")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)

	// Error answers of every operation, also checked against the document.
	_, _, err = c.GetUser(ctx, "lin@example.com")
	ae := apiError(t, err, http.StatusNotFound)
	assert.ErrorIs(t, err, client.ErrNotFound)
	assert.Contains(t, string(ae.Body), `"id":"lin@example.com"`)
	_, _, err = c.UpdateUser(ctx, "lin@example.com", vectara.UpdateUserRequest{})
	assert.ErrorIs(t, err, client.ErrNotFound)
	_, err = c.DeleteUser(ctx, "lin@example.com")
	assert.ErrorIs(t, err, client.ErrNotFound)
	_, _, err = c.ResetUserPassword(ctx, "lin@example.com")
	assert.ErrorIs(t, err, client.ErrNotFound)
	_, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: str("no-such-corpus")})
	assert.ErrorIs(t, err, client.ErrNotFound)
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "ada@example.com"})
	assert.ErrorIs(t, err, client.ErrConflict)
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "x@example.com", CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "nope", Role: "viewer"}}})
	ae = apiError(t, err, http.StatusBadRequest)
	assert.Contains(t, ae.Fields, "corpus_roles[0].corpus_key")
	_, _, err = c.ListUsers(ctx, nil, client.WithAPIKey("zut_wrong"))
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	_, _, err = c.ListUsers(ctx, nil, client.WithAPIKey(e.srv.QueryAPIKey))
	assert.ErrorIs(t, err, client.ErrForbidden)

	covered := e.ct.Covered()
	for _, op := range contract.OperationIDs(e.doc) {
		assert.Contains(t, covered, op)
	}
	e.checkContract(t)
}

func str(s string) *string { return &s }
func boolOf(b bool) *bool  { return &b }

// TestVectaraAPIKeyAuth covers 401 and 403 as the real service answers them.
func TestVectaraAPIKeyAuth(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()

	_, _, err := e.client(t, client.WithAPIKey("zut_not_a_key")).GetUser(ctx, "ada@example.com")
	ae := apiError(t, err, http.StatusUnauthorized)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "zut_not_a_key")
	assert.NotEmpty(t, ae.Message)

	_, _, err = e.client(t, client.WithAPIKey(e.srv.QueryAPIKey)).GetUser(ctx, "ada@example.com")
	apiError(t, err, http.StatusForbidden)
	assert.ErrorIs(t, err, client.ErrForbidden)
	assert.Contains(t, err.Error(), "Personal API key")

	limited := e.client(t, client.WithAPIKey(e.srv.LimitedAPIKey))
	_, _, err = limited.ListUsers(ctx, nil)
	assert.ErrorIs(t, err, client.ErrForbidden)
	_, err = limited.DeleteUser(ctx, "bob")
	assert.ErrorIs(t, err, client.ErrForbidden)
	_, ok := e.srv.Fake.User("bob")
	assert.True(t, ok, "a forbidden delete changes nothing")

	// Promoting the user makes the same key work; disabling or deleting
	// the user revokes it.
	admin := e.apiKeyClient(t)
	_, _, err = admin.UpdateUser(ctx, "ada@example.com", vectara.UpdateUserRequest{APIRoles: &[]vectara.APIRole{"administrator"}})
	require.NoError(t, err)
	_, _, err = limited.ListUsers(ctx, nil)
	require.NoError(t, err)
	_, _, err = admin.UpdateUser(ctx, "ada@example.com", vectara.UpdateUserRequest{Enabled: boolOf(false)})
	require.NoError(t, err)
	_, _, err = limited.ListUsers(ctx, nil)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	_, _, err = admin.UpdateUser(ctx, "ada@example.com", vectara.UpdateUserRequest{Enabled: boolOf(true)})
	require.NoError(t, err)
	_, err = admin.DeleteUser(ctx, "ada@example.com")
	require.NoError(t, err)
	_, _, err = limited.ListUsers(ctx, nil)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	e.checkContract(t)

	// No credential at all (the contract validator would flag it, so raw).
	res, err := e.raw.Get(e.srv.URL + "/v2/users")
	require.NoError(t, err)
	body := readJSON(t, res)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.NotEmpty(t, body["request_id"])
	assert.NotEmpty(t, body["messages"])

	// A facade without credentials refuses before sending.
	_, _, err = e.client(t).ListUsers(ctx, nil)
	assert.ErrorIs(t, err, client.ErrNotAuthenticated)
}

func readJSON(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	defer res.Body.Close()
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var m map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
	return m
}

// TestVectaraOAuth2 authenticates with client credentials through the
// facade: the token is fetched once and cached, renewed when the fake's
// clock passes its expiry, and fetched once for many concurrent calls.
func TestVectaraOAuth2(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	c := e.client(t, client.WithClientCredentials(e.srv.ClientID, e.srv.ClientSecret, e.srv.TokenURL))

	for range 5 {
		_, _, err := c.ListUsers(ctx, nil)
		require.NoError(t, err)
	}
	created, _, err := c.CreateUser(ctx, vectara.CreateUserRequest{Email: "oauth@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "oauth@example.com", *created.Username)
	assert.Equal(t, 1, e.srv.Fake.TokenRequests(), "one token for many calls")

	// The fake's clock passes the token's 30 minutes: the service refuses
	// it and the facade fetches a new one and resends, once.
	e.srv.Fake.Advance(31 * time.Minute)
	before := e.srv.Faults.Requests("getUser")
	u, _, err := c.GetUser(ctx, "oauth@example.com")
	require.NoError(t, err)
	assert.Equal(t, *created.ID, *u.ID)
	assert.Equal(t, 2, e.srv.Fake.TokenRequests())
	assert.Equal(t, before+2, e.srv.Faults.Requests("getUser"), "refused once, then resent")
	_, _, err = c.GetUser(ctx, "oauth@example.com")
	require.NoError(t, err)
	assert.Equal(t, 2, e.srv.Fake.TokenRequests(), "the new token is cached")

	// A fresh client used by 32 goroutines at once fetches one token.
	c2 := e.client(t, client.WithClientCredentials(e.srv.ClientID, e.srv.ClientSecret, e.srv.TokenURL))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, _, err := c2.GetUser(ctx, "ada@example.com")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 3, e.srv.Fake.TokenRequests())
	e.checkContract(t)
}

// TestVectaraOAuth2ClientSideExpiry: with a short token lifetime the
// facade renews the token before sending, without a refused call.
func TestVectaraOAuth2ClientSideExpiry(t *testing.T) {
	e := newVectaraEnv(t)
	e.srv.Fake.TokenLifetime = 11 * time.Second // x/oauth2 renews 10 s early: valid for ~1 s
	ctx := context.Background()
	c := e.client(t, client.WithClientCredentials(e.srv.ClientID, e.srv.ClientSecret, e.srv.TokenURL))
	_, _, err := c.ListUsers(ctx, nil)
	require.NoError(t, err)
	_, _, err = c.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, e.srv.Fake.TokenRequests())
	time.Sleep(1100 * time.Millisecond)
	_, _, err = c.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, e.srv.Fake.TokenRequests())
	assert.Equal(t, 3, e.srv.Faults.Requests("listUsers"), "no call was refused")
	e.checkContract(t)
}

// TestVectaraOAuth2BadSecret: a wrong secret is an error that wraps
// ErrUnauthorized, never shows the secret, and sends no API request.
func TestVectaraOAuth2BadSecret(t *testing.T) {
	e := newVectaraEnv(t)
	const secret = "wrong-secret-value-42"
	c := e.client(t, client.WithClientCredentials(e.srv.ClientID, secret, e.srv.TokenURL))
	_, _, err := c.ListUsers(context.Background(), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
	assert.Contains(t, err.Error(), "invalid_client")
	assert.Equal(t, 0, e.srv.Faults.Requests("listUsers"))
	assert.GreaterOrEqual(t, e.srv.Fake.TokenRequests(), 1)

	_, _, err = e.client(t, client.WithClientCredentials("no-such-client", "x", e.srv.TokenURL)).ListUsers(context.Background(), nil)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
	e.checkContract(t)
}

// TestVectaraOAuth2TokenFaults: the token fetch is bounded by the call's
// timeout, and a failing token endpoint is an error, not a hang or a panic.
func TestVectaraOAuth2TokenFaults(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	c := e.client(t, client.WithClientCredentials(e.srv.ClientID, e.srv.ClientSecret, e.srv.TokenURL))

	e.srv.Fake.TokenFaults.Inject(fake.Fault{Latency: 3 * time.Second})
	start := time.Now()
	_, _, err := c.ListUsers(ctx, nil, client.WithTimeout(100*time.Millisecond))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "the hanging token endpoint did not outlive the call's timeout")
	assert.Equal(t, 0, e.srv.Faults.Requests("listUsers"))

	e.srv.Fake.TokenFaults.FailNext(2, "", http.StatusServiceUnavailable, "")
	_, _, err = c.ListUsers(ctx, nil)
	require.Error(t, err)
	assert.NotErrorIs(t, err, client.ErrUnauthorized)
	assert.Contains(t, err.Error(), "503")

	_, _, err = c.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, e.srv.Faults.Requests("listUsers"))
	e.checkContract(t)
}

// TestVectaraTokenEndpoint checks the token endpoint's RFC 6749 behaviour
// directly: both client authentication styles, and its error answers.
func TestVectaraTokenEndpoint(t *testing.T) {
	e := newVectaraEnv(t)
	post := func(form url.Values, basicID, basicSecret string) (*http.Response, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicID != "" {
			req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
		}
		res, err := e.raw.Do(req)
		require.NoError(t, err)
		return res, readJSON(t, res)
	}
	grant := url.Values{"grant_type": {"client_credentials"}}

	res, body := post(grant, e.srv.ClientID, e.srv.ClientSecret)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Bearer", body["token_type"])
	assert.EqualValues(t, 1800, body["expires_in"])
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	tok, _ := body["access_token"].(string)
	require.NotEmpty(t, tok)

	// The token works as a bearer credential on the API.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/users/bob", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := e.raw.Do(req)
	require.NoError(t, err)
	assert.Equal(t, "bob", readJSON(t, res)["username"])

	inForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.srv.ClientID}, "client_secret": {e.srv.ClientSecret}}
	res, body = post(inForm, "", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "%v", body)

	res, body = post(grant, e.srv.ClientID, "wrong")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Equal(t, "invalid_client", body["error"])
	assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"))

	res, body = post(url.Values{"grant_type": {"password"}}, e.srv.ClientID, e.srv.ClientSecret)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, "unsupported_grant_type", body["error"])

	res, err = e.raw.Get(e.srv.TokenURL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "invalid_request", readJSON(t, res)["error"])

	assert.Equal(t, 5, e.srv.Fake.TokenRequests())
	assert.Equal(t, 0, e.srv.Faults.Requests("oauth2Token"), "the token endpoint has its own faults")
}

// TestVectaraPaging pages 250 extra users with ListUsersIter and by hand.
func TestVectaraPaging(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	for i := range 250 {
		_, err := e.srv.Fake.AddUser(vectara.CreateUserRequest{Email: fmt.Sprintf("user%03d@example.com", i)})
		require.NoError(t, err)
	}
	want := e.srv.Fake.Usernames()
	require.Len(t, want, 254)
	c := e.apiKeyClient(t)

	var got []string
	for u, err := range c.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: int32Of(100)}) {
		require.NoError(t, err)
		got = append(got, *u.Username)
	}
	assert.Equal(t, want, got, "every user once, ordered by username")
	assert.Equal(t, 3, e.srv.Faults.Requests("listUsers"))

	// Breaking out early stops fetching.
	n := 0
	for _, err := range c.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: int32Of(100)}) {
		require.NoError(t, err)
		n++
		if n == 150 {
			break
		}
	}
	assert.Equal(t, 3+2, e.srv.Faults.Requests("listUsers"))

	// By hand: default limit 10; the last page has no page_key.
	page, _, err := c.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, *page.Users, 10)
	require.NotNil(t, page.Metadata.PageKey)
	key := *page.Metadata.PageKey

	// Keyset paging: a user created before the cursor and one deleted
	// after it neither repeat nor skip anyone.
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "aaa@example.com"})
	require.NoError(t, err)
	next, _, err := c.ListUsers(ctx, &vectara.ListUsersParams{PageKey: &key})
	require.NoError(t, err)
	assert.Equal(t, want[10:20], usernames(*next.Users))

	last, _, err := c.ListUsers(ctx, &vectara.ListUsersParams{Limit: int32Of(100), PageKey: str(e.pageKeyAfter(t, c, 200))})
	require.NoError(t, err)
	assert.True(t, last.Metadata == nil || last.Metadata.PageKey == nil, "last page has no page_key")

	// Invalid, forged or mismatched page keys are refused with 400.
	for _, bad := range []string{"not-a-key", base64.RawURLEncoding.EncodeToString([]byte("v1\x00\x00user100@example.com12345678"))} {
		_, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{PageKey: &bad})
		ae := apiError(t, err, http.StatusBadRequest)
		assert.ErrorIs(t, err, client.ErrBadRequest)
		assert.Contains(t, ae.Fields, "page_key")
	}
	_, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{PageKey: &key, CorpusKey: str("my-corpus")})
	assert.ErrorIs(t, err, client.ErrBadRequest)

	// corpus_key keeps users with a role on that corpus.
	page, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: str("my-corpus")})
	require.NoError(t, err)
	assert.Equal(t, []string{"ada@example.com", "grace@example.com"}, usernames(*page.Users))
	page, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: str("archive")})
	require.NoError(t, err)
	assert.Empty(t, *page.Users)
	_, _, err = c.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: str("missing")})
	ae := apiError(t, err, http.StatusNotFound)
	assert.Contains(t, string(ae.Body), `"id":"missing"`)

	// The document's limits, refused by validation with the 400 shape.
	for _, lim := range []string{"0", "101", "ten"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/users?limit="+lim, nil)
		req.Header.Set("x-api-key", e.srv.APIKey)
		res, err := e.raw.Do(req)
		require.NoError(t, err)
		body := readJSON(t, res)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body["field_errors"], "limit")
		assert.NotEmpty(t, body["request_id"])
	}
	e.checkContract(t)
}

// pageKeyAfter pages by 100 until n users were seen and returns that key.
func (e *env) pageKeyAfter(t *testing.T, c *client.Vectara, n int) string {
	t.Helper()
	var key *string
	for seen := 0; seen < n; {
		page, _, err := c.ListUsers(context.Background(), &vectara.ListUsersParams{Limit: int32Of(100), PageKey: key})
		require.NoError(t, err)
		seen += len(*page.Users)
		key = page.Metadata.PageKey
	}
	return *key
}

func int32Of(n int32) *int32 { return &n }

// TestVectaraUsernamesInPath: usernames are one percent-encoded path
// segment; %2F is part of the name, never a path separator.
func TestVectaraUsernamesInPath(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	c := e.apiKeyClient(t)
	names := []string{"a", "a/b", "with space", "x/reset_password", "a/../b", "a//b", "100%", "q?x#y", "plus+sign", "ümlaut", "trailing/"}
	for i, name := range names {
		_, _, err := c.CreateUser(ctx, vectara.CreateUserRequest{Email: fmt.Sprintf("p%d@example.com", i), Username: &name})
		require.NoError(t, err, name)
	}
	for i, name := range names {
		u, _, err := c.GetUser(ctx, name)
		require.NoError(t, err, name)
		assert.Equal(t, name, *u.Username)
		assert.Equal(t, fmt.Sprintf("p%d@example.com", i), *u.Email)
	}
	assert.Equal(t, 0, e.srv.Fake.PasswordResets("x"), "getUser of x/reset_password is no reset")
	_, _, err := c.ResetUserPassword(ctx, "x/reset_password")
	require.NoError(t, err)
	assert.Equal(t, 1, e.srv.Fake.PasswordResets("x/reset_password"))

	// Raw: %2F addresses "a/b"; an unencoded slash is another route.
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("x-api-key", e.srv.APIKey)
		res, err := e.raw.Do(req)
		require.NoError(t, err)
		return res.StatusCode, readJSON(t, res)
	}
	status, body := get("/v2/users/a%2Fb")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "a/b", body["username"])
	status, body = get("/v2/users/a%2f..%2fb")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "a/../b", body["username"])
	status, _ = get("/v2/users/a/b")
	assert.Equal(t, http.StatusNotFound, status)
	status, body = get("/v2/users/.")
	assert.Equal(t, http.StatusNotFound, status, "a dot segment is looked up, not redirected")
	assert.Equal(t, ".", body["id"])
	status, body = get("/v2/users/alice%40example.com")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "alice@example.com", body["id"])
	status, body = get("/v2/users/ada@example.com")
	assert.Equal(t, http.StatusOK, status, "a literal @ equals %%40")
	assert.Equal(t, "ada@example.com", body["username"])

	// Deleting "a/b" leaves "a" alone.
	_, err = c.DeleteUser(ctx, "a/b")
	require.NoError(t, err)
	_, _, err = c.GetUser(ctx, "a")
	require.NoError(t, err)
	_, _, err = c.GetUser(ctx, "a/b")
	assert.ErrorIs(t, err, client.ErrNotFound)

	// Names no path can address are refused.
	for _, bad := range []string{".", ".."} {
		_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "dot@example.com", Username: str(bad)})
		assert.ErrorIs(t, err, client.ErrBadRequest, bad)
	}
	e.checkContract(t)
}

// TestVectaraCreateAndUpdate covers create's defaults and conflicts and
// PATCH semantics.
func TestVectaraCreateAndUpdate(t *testing.T) {
	e := newVectaraEnv(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	now := start
	e.srv.Fake.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx := context.Background()
	c := e.apiKeyClient(t)

	u, _, err := c.CreateUser(ctx, vectara.CreateUserRequest{
		Email: "Kay@Example.com", Username: str("kay"),
		APIRoles:   &[]vectara.APIRole{"agent_viewer"},
		AgentRoles: &[]vectara.AgentRole{{AgentKey: "support-agent", Role: "agent_user"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "kay", *u.Username)
	assert.Equal(t, start, *u.CreatedAt)
	assert.Equal(t, start, *u.UpdatedAt)
	assert.Empty(t, *u.CorpusRoles, "absent role lists are empty arrays")

	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "other@example.com", Username: str("kay")})
	assert.ErrorIs(t, err, client.ErrConflict, "duplicate username")
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "kay@example.com"})
	assert.ErrorIs(t, err, client.ErrConflict, "duplicate e-mail, any case")
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "not-an-email"})
	ae := apiError(t, err, http.StatusBadRequest)
	assert.Contains(t, ae.Fields, "email")

	// PATCH: only what is sent changes; a role list replaces the old one.
	mu.Lock()
	now = start.Add(time.Hour)
	mu.Unlock()
	upd, _, err := c.UpdateUser(ctx, "kay", vectara.UpdateUserRequest{
		Description: str("Support"),
		CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "support-docs", Role: "editor"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "Support", *upd.Description)
	assert.Equal(t, []vectara.CorpusRole{{CorpusKey: "support-docs", Role: "editor"}}, *upd.CorpusRoles)
	assert.Equal(t, []vectara.APIRole{"agent_viewer"}, *upd.APIRoles, "not sent, unchanged")
	assert.Len(t, *upd.AgentRoles, 1)
	assert.True(t, *upd.Enabled)
	assert.Equal(t, start.Add(time.Hour), *upd.UpdatedAt)
	assert.Equal(t, start, *upd.CreatedAt)

	upd, _, err = c.UpdateUser(ctx, "kay", vectara.UpdateUserRequest{APIRoles: &[]vectara.APIRole{}, AgentRoles: &[]vectara.AgentRole{}})
	require.NoError(t, err)
	assert.Empty(t, *upd.APIRoles)
	assert.Empty(t, *upd.AgentRoles)
	assert.Nil(t, upd.APIPolicy)
	assert.Len(t, *upd.CorpusRoles, 1)

	mu.Lock()
	now = start.Add(2 * time.Hour)
	mu.Unlock()
	upd, _, err = c.UpdateUser(ctx, "kay", vectara.UpdateUserRequest{})
	require.NoError(t, err)
	assert.Equal(t, start.Add(time.Hour), *upd.UpdatedAt, "a no-op update changes nothing")

	_, _, err = c.UpdateUser(ctx, "kay", vectara.UpdateUserRequest{CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "gone", Role: "viewer"}}})
	assert.ErrorIs(t, err, client.ErrBadRequest)
	stored, _ := e.srv.Fake.User("kay")
	assert.Equal(t, "support-docs", (*stored.CorpusRoles)[0].CorpusKey, "a refused update changes nothing")

	// The e-mail is free again after delete.
	_, err = c.DeleteUser(ctx, "kay")
	require.NoError(t, err)
	_, _, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "kay@example.com"})
	require.NoError(t, err)
	e.checkContract(t)
}

// TestVectaraFaults: injected failures as users' retry tests need them.
func TestVectaraFaults(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	c := e.apiKeyClient(t)

	e.srv.Faults.FailNext(2, "getUser", http.StatusServiceUnavailable, "0")
	u, resp, err := c.GetUser(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, "bob", *u.Username)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, 3, e.srv.Faults.Requests("getUser"))

	// A 503 proves the POST was not processed: retried, created once.
	e.srv.Faults.FailNext(1, "createUser", http.StatusServiceUnavailable, "0")
	_, resp, err = c.CreateUser(ctx, vectara.CreateUserRequest{Email: "retry@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	n := 0
	for _, name := range e.srv.Fake.Usernames() {
		if name == "retry@example.com" {
			n++
		}
	}
	assert.Equal(t, 1, n)

	// Exhausted retries surface the fault in the service's error shape.
	e.srv.Faults.FailNext(3, "listUsers", http.StatusServiceUnavailable, "0")
	_, _, err = c.ListUsers(ctx, nil)
	ae := apiError(t, err, http.StatusServiceUnavailable)
	assert.ErrorIs(t, err, client.ErrServer)
	assert.Equal(t, 3, ae.Attempts)

	// Dropped connections: net/http itself may resend a GET once on a
	// reused connection, so queue more drops than attempts.
	e.srv.Faults.Inject(fake.Fault{Operation: "getUser", Drop: true, Count: 10})
	_, _, err = c.GetUser(ctx, "bob")
	var te *client.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	e.srv.Faults.Reset()

	e.srv.Faults.Inject(fake.Fault{Operation: "listUsers", Latency: 300 * time.Millisecond})
	_, _, err = c.ListUsers(ctx, nil, client.WithTimeout(50*time.Millisecond), client.WithMaxRetries(0))
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// Latency alone lets the request through.
	e.srv.Faults.Inject(fake.Fault{Operation: "listUsers", Latency: 20 * time.Millisecond})
	_, _, err = c.ListUsers(ctx, nil)
	require.NoError(t, err)
	e.checkContract(t)
}

// TestVectaraBadRequests: invalid requests get the BadRequestError shape.
func TestVectaraBadRequests(t *testing.T) {
	e := newVectaraEnv(t)
	send := func(method, path, contentType, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("x-api-key", e.srv.APIKey)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := e.raw.Do(req)
		require.NoError(t, err)
		return res.StatusCode, readJSON(t, res)
	}
	cases := []struct {
		name, method, path, ct, body, field string
	}{
		{"missing email", "POST", "/v2/users", "application/json", `{"username":"x"}`, "email"},
		{"wrong type", "POST", "/v2/users", "application/json", `{"email":42}`, "email"},
		{"unknown role", "PATCH", "/v2/users/bob", "application/json", `{"api_roles":["query_writer"]}`, "api_roles.0"},
		{"bad corpus role", "PATCH", "/v2/users/bob", "application/json", `{"corpus_roles":[{"corpus_key":"my-corpus","role":"boss"}]}`, "corpus_roles.0.role"},
		{"not json", "POST", "/v2/users", "application/json", `{"email":`, ""},
		{"no body", "PATCH", "/v2/users/bob", "application/json", ``, ""},
		{"bad corpus key", "GET", "/v2/users?corpus_key=no%20spaces", "", ``, "corpus_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(tc.method, tc.path, tc.ct, tc.body)
			assert.Equal(t, http.StatusBadRequest, status, "%v", body)
			assert.NotEmpty(t, body["request_id"])
			assert.NotEmpty(t, body["messages"])
			if tc.field != "" {
				assert.Contains(t, body["field_errors"], tc.field, "%v", body)
			}
		})
	}
	u, _ := e.srv.Fake.User("bob")
	assert.Empty(t, *u.APIRoles, "refused requests change nothing")

	// Unknown endpoints and methods keep the general shape.
	status, body := send("GET", "/v2/nothing", "", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.NotEmpty(t, body["request_id"])
	status, body = send("PUT", "/v2/users/bob", "application/json", "{}")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	assert.NotEmpty(t, body["request_id"])
}

// TestVectaraConcurrentWrites: 32 goroutines create, update and reset
// through the facade; the final state has every write exactly once.
func TestVectaraConcurrentWrites(t *testing.T) {
	e := newVectaraEnv(t)
	ctx := context.Background()
	c := e.apiKeyClient(t)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("worker-%02d", i)
			if _, _, err := c.CreateUser(ctx, vectara.CreateUserRequest{Email: name + "@example.com", Username: &name}); err != nil {
				errs <- err
				return
			}
			if _, _, err := c.UpdateUser(ctx, name, vectara.UpdateUserRequest{Description: str("worker " + name)}); err != nil {
				errs <- err
			}
			if _, _, err := c.ResetUserPassword(ctx, name); err != nil {
				errs <- err
			}
			// Everyone also races on one shared user and one shared e-mail.
			_, _, err := c.CreateUser(ctx, vectara.CreateUserRequest{Email: "shared@example.com"})
			if err != nil && !errors.Is(err, client.ErrConflict) {
				errs <- err
			}
			if _, _, err := c.ListUsers(ctx, &vectara.ListUsersParams{Limit: int32Of(5)}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	names := e.srv.Fake.Usernames()
	assert.Len(t, names, 4+n+1)
	assert.True(t, slices.Contains(names, "shared@example.com"))
	for i := range n {
		name := fmt.Sprintf("worker-%02d", i)
		u, ok := e.srv.Fake.User(name)
		require.True(t, ok, name)
		assert.Equal(t, "worker "+name, *u.Description)
		assert.Equal(t, 1, e.srv.Fake.PasswordResets(name))
	}
	var listed []string
	for u, err := range c.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: int32Of(7)}) {
		require.NoError(t, err)
		listed = append(listed, *u.Username)
	}
	assert.True(t, sort.StringsAreSorted(listed))
	assert.Equal(t, names, listed)
	e.checkContract(t)
}

// TestVectaraListen starts the fake on a chosen address, as the serve
// command does, and reads a user with a plain request.
func TestVectaraListen(t *testing.T) {
	srv, err := vectarafake.Listen("127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	assert.Equal(t, srv.URL+"/oauth2/token", srv.TokenURL)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/users/ada%40example.com", nil)
	req.Header.Set("x-api-key", srv.APIKey)
	hc := srv.Client()
	defer hc.CloseIdleConnections()
	res, err := hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	assert.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
	assert.Contains(t, string(b), `"username":"ada@example.com"`)
}
