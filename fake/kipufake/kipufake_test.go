package kipufake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/internal/contract"
)

// harness is a started Kipu fake with a contract-checking transport:
// every request and response of the facade clients it builds is validated
// against api/kipu.yaml.
type harness struct {
	srv *kipufake.Server
	tr  *contract.Transport
	ops []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv := kipufake.Start()
	t.Cleanup(srv.Close)
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/kipu.yaml")
	require.NoError(t, err)
	ops := contract.OperationIDs(doc)
	v, err := contract.New(doc, srv.URL)
	require.NoError(t, err)
	h := &harness{srv: srv, tr: &contract.Transport{V: v, Next: srv.Client().Transport}, ops: ops}
	t.Cleanup(func() {
		for _, e := range h.tr.Errors() {
			t.Errorf("contract violation: %v", e)
		}
	})
	return h
}

// client returns a facade client; token "" means no credential.
func (h *harness) client(t *testing.T, token string, opts ...client.ClientOption) *client.Kipu {
	t.Helper()
	c, err := h.newClient(token, opts...)
	require.NoError(t, err)
	return c
}

func (h *harness) newClient(token string, opts ...client.ClientOption) (*client.Kipu, error) {
	base := []client.ClientOption{
		client.WithBaseURL(h.srv.URL),
		client.WithHTTPClient(&http.Client{Transport: h.tr}),
		client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	if token != "" {
		base = append(base, client.WithPersonalAccessToken(token))
	}
	return client.NewKipu(append(base, opts...)...)
}

// clock is a settable clock for Fake.Now, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func str(s string) *string { return &s }

func apiError(t *testing.T, err error, sentinel error) *client.APIError {
	t.Helper()
	require.Error(t, err)
	var apiErr *client.APIError
	require.True(t, errors.As(err, &apiErr), "want *client.APIError, got %T: %v", err, err)
	require.ErrorIs(t, err, sentinel)
	return apiErr
}

var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
var testJPEG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01fake-jpeg-data")

func TestKipuContractCoversEveryOperation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)
	pub := h.client(t, "")

	me, _, err := ada.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, me.ID)
	assert.Equal(t, "ada@example.com", *me.Email)

	upd, _, err := ada.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: str("Countess"), Homepage: str("https://ada.example"), About: str("Poetical science")})
	require.NoError(t, err)
	assert.Equal(t, "Countess", *upd.CurrentPosition)

	_, err = ada.UpdateCurrentUserProfileImage(ctx, "ada.png", bytes.NewReader(testPNG))
	require.NoError(t, err)
	img, _, err := pub.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	require.NotNil(t, img)
	_, data, err := client.ParseDataURI(*img)
	require.NoError(t, err)
	assert.Equal(t, testPNG, data)
	_, err = ada.DeleteCurrentUserProfileImage(ctx)
	require.NoError(t, err)

	list, _, err := ada.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	assert.Len(t, list.Tokens, 2)

	created, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "contract"})
	require.NoError(t, err)
	require.NotEmpty(t, created.Value)
	_, err = ada.DeletePersonalAccessToken(ctx, created.ID)
	require.NoError(t, err)

	def, _, err := ada.RegenerateDefaultPersonalAccessToken(ctx)
	require.NoError(t, err)
	principal, _, err := pub.AuthorizeByPersonalAccessToken(ctx, def.DefaultToken)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, principal.UserID)

	overview, _, err := pub.GetUserByID(ctx, kipufake.AlanID)
	require.NoError(t, err)
	assert.Equal(t, "Turing", *overview.Lastname)
	ok, _, err := pub.CheckUserExists(ctx, kipufake.GraceID)
	require.NoError(t, err)
	assert.True(t, ok)

	reg, _, err := pub.GetUserRegistrationStatus(ctx, "ada@example.com")
	require.NoError(t, err)
	assert.Equal(t, kipu.RegistrationResponseStatusAPPROVED, reg.Status)

	adaNew := h.client(t, def.DefaultToken)
	hits, _, err := adaNew.SearchUsers(ctx, "hopper")
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, kipufake.GraceID, hits[0].ID)

	_, tok := h.srv.Fake.AddUser(kipufake.Identity{Email: "temp@example.com", Firstname: "Temp"})
	_, err = h.client(t, tok).DeleteCurrentUser(ctx)
	require.NoError(t, err)

	assert.Subset(t, h.tr.Covered(), h.ops)
	assert.Len(t, h.ops, 15)
	assert.Empty(t, h.tr.Errors())
}

func TestKipuJITProvisioning(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pub := h.client(t, "")
	id, tok := h.srv.Fake.AddIdentity(kipufake.Identity{Email: "emmy@example.com", Firstname: "Emmy", Lastname: "Noether"})
	emmy := h.client(t, tok)
	before := h.srv.Fake.UserCount()

	// The identity authenticates, but has no user profile yet.
	principal, _, err := pub.AuthorizeByPersonalAccessToken(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, id, principal.UserID)
	exists, _, err := pub.CheckUserExists(ctx, id)
	require.NoError(t, err)
	assert.False(t, exists)
	_, _, err = pub.GetUserByID(ctx, id)
	apiError(t, err, client.ErrNotFound)
	_, _, err = emmy.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: str("x")})
	apiError(t, err, client.ErrForbidden)
	_, _, err = emmy.GetPersonalAccessTokens(ctx)
	apiError(t, err, client.ErrForbidden)
	_, _, err = emmy.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "early"})
	apiError(t, err, client.ErrForbidden)
	hits, _, err := emmy.SearchUsers(ctx, "noether")
	require.NoError(t, err)
	assert.Empty(t, hits)
	assert.NotNil(t, hits)

	// The first GET /me provisions the profile from the identity.
	me, _, err := emmy.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, id, me.ID)
	assert.Equal(t, "emmy@example.com", *me.Username)
	assert.Equal(t, "Noether", *me.Lastname)
	assert.Nil(t, me.About)
	assert.Equal(t, before+1, h.srv.Fake.UserCount())
	again, _, err := emmy.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, me, again)
	assert.Equal(t, before+1, h.srv.Fake.UserCount())

	exists, _, err = pub.CheckUserExists(ctx, id)
	require.NoError(t, err)
	assert.True(t, exists)
	hits, _, err = emmy.SearchUsers(ctx, "NOETHER")
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, id, hits[0].ID)
	_, _, err = emmy.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: str("Algebraist")})
	require.NoError(t, err)
	u, ok := h.srv.Fake.User(id)
	require.True(t, ok)
	assert.Equal(t, "Algebraist", *u.About)
}

func TestKipuProfileUpdateReplaces(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)

	_, _, err := ada.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: str("Countess"), Homepage: str("https://ada.example"), About: str("Notes")})
	require.NoError(t, err)
	me, _, err := ada.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, "https://ada.example", *me.Homepage)

	// PUT replaces: omitted fields are cleared; IdP-owned fields stay.
	upd, _, err := ada.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: str("Only about")})
	require.NoError(t, err)
	assert.Nil(t, upd.CurrentPosition)
	assert.Nil(t, upd.Homepage)
	assert.Equal(t, "Only about", *upd.About)
	me, _, err = ada.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Nil(t, me.Homepage)
	assert.Equal(t, "Ada", *me.Firstname)
	assert.Equal(t, "ada@example.com", *me.Email)
}

// TestKipuProfileImage: getUserProfileImage is the seed's nullable string
// (seed 000): a data: URI, JSON null for a user without an image, 404 for
// an unknown user.
func TestKipuProfileImage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)
	pub := h.client(t, "")
	image := func(id string) (string, []byte) {
		t.Helper()
		img, _, err := pub.GetUserProfileImage(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, img)
		ct, data, err := client.ParseDataURI(*img)
		require.NoError(t, err)
		return ct, data
	}

	img, resp, err := pub.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	assert.Nil(t, img, "no image: a null string, not an error")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "null", strings.TrimSpace(string(resp.RawBody)))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	ct, data := image(kipufake.AlanID)
	assert.Equal(t, "image/png", ct)
	assert.NotEmpty(t, data)

	_, err = ada.UpdateCurrentUserProfileImage(ctx, "ada.png", bytes.NewReader(testPNG))
	require.NoError(t, err)
	ct, data = image(kipufake.AdaID)
	assert.Equal(t, "image/png", ct)
	assert.Equal(t, testPNG, data)
	img, resp, err = pub.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	assert.Equal(t, `"`+*img+`"`, strings.TrimSpace(string(resp.RawBody)), "a JSON string on the wire")
	assert.True(t, strings.HasPrefix(*img, "data:image/png;base64,"))

	_, err = ada.UpdateCurrentUserProfileImage(ctx, "ada.jpg", bytes.NewReader(testJPEG))
	require.NoError(t, err)
	ct, data = image(kipufake.AdaID)
	assert.Equal(t, "image/jpeg", ct)
	assert.Equal(t, testJPEG, data)
	stored, storedCT, ok := h.srv.Fake.ProfileImage(kipufake.AdaID)
	require.True(t, ok)
	assert.Equal(t, "image/jpeg", storedCT)
	assert.Equal(t, testJPEG, stored)

	_, err = ada.DeleteCurrentUserProfileImage(ctx)
	require.NoError(t, err)
	img, _, err = pub.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	assert.Nil(t, img)
	_, err = ada.DeleteCurrentUserProfileImage(ctx) // idempotent
	require.NoError(t, err)

	_, _, err = pub.GetUserProfileImage(ctx, "no-such-user")
	apiErr := apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "User not found", apiErr.Message)
}

// TestKipuOAuth2Bearer: the document's security lets every authenticated
// operation take an OAuth2 access token instead of a personal access
// token, as upstream's GET /me does.
func TestKipuOAuth2Bearer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	viaBearer := h.client(t, "", client.WithBearerToken(h.srv.AccessToken))
	me, _, err := viaBearer.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, me.ID)
	_, _, err = viaBearer.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	alan := h.client(t, "", client.WithBearerToken(h.srv.Fake.IssueAccessToken(kipufake.AlanID)))
	me, _, err = alan.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AlanID, me.ID)
	_, _, err = h.client(t, "", client.WithBearerToken("not-an-access-token")).GetCurrentUser(ctx)
	e := apiError(t, err, client.ErrUnauthorized)
	assert.Equal(t, "Invalid or expired access token", e.Message)
	// A deleted user's access token stops working.
	_, err = alan.DeleteCurrentUser(ctx)
	require.NoError(t, err)
	_, _, err = alan.GetCurrentUser(ctx)
	apiError(t, err, client.ErrUnauthorized)
}

func TestKipuPersonalAccessTokens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	h.srv.Fake.Now = clk.Now
	ada := h.client(t, h.srv.Token)
	pub := h.client(t, "")

	created, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "ci"})
	require.NoError(t, err)
	require.NotEmpty(t, created.Value, "the raw value is returned at creation")
	assert.Equal(t, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), created.CreatedAt)
	assert.True(t, created.UsedAt.IsZero())
	assert.True(t, created.ExpiresAt.IsZero())
	raw := created.Value

	list, _, err := ada.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	require.Len(t, list.Tokens, 3)
	assert.Equal(t, h.srv.Token, list.DefaultToken)
	var found *client.KipuAccessToken
	for i, tk := range list.Tokens {
		assert.Empty(t, tk.Value, "no raw value on reads")
		if tk.ID == created.ID {
			found = &list.Tokens[i]
		}
	}
	require.NotNil(t, found)
	assert.True(t, found.UsedAt.IsZero(), "not used yet")

	// Authenticating with the token records its use.
	clk.Set(time.Date(2026, 3, 10, 13, 14, 15, 0, time.UTC))
	me, _, err := h.client(t, raw).GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, me.ID)
	for _, tk := range h.srv.Fake.Tokens(kipufake.AdaID) {
		if tk.ID == created.ID {
			require.NotNil(t, tk.UsedAt)
			assert.Equal(t, "2026-03-10 13:14:15", *tk.UsedAt)
		}
	}

	clk.Set(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC))
	principal, _, err := pub.AuthorizeByPersonalAccessToken(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, principal.UserID)
	require.NotNil(t, principal.AccessToken)
	assert.Equal(t, created.ID, principal.AccessToken.ID)
	assert.Equal(t, "ci", principal.AccessToken.Name)
	assert.Empty(t, principal.AccessToken.Value, "never the raw value")
	assert.Equal(t, time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC), principal.AccessToken.UsedAt)

	// A deleted token stops working.
	_, err = ada.DeletePersonalAccessToken(ctx, created.ID)
	require.NoError(t, err)
	_, _, err = h.client(t, raw).GetCurrentUser(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, _, err = pub.AuthorizeByPersonalAccessToken(ctx, raw)
	apiError(t, err, client.ErrUnauthorized)
	_, err = ada.DeletePersonalAccessToken(ctx, created.ID)
	apiError(t, err, client.ErrNotFound)

	// Another user's token is not ours to delete.
	_, err = ada.DeletePersonalAccessToken(ctx, kipufake.AlanTokenID)
	apiErr := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "Access denied", apiErr.Message)
	assert.Len(t, h.srv.Fake.Tokens(kipufake.AlanID), 2)

	// A blank name is refused by the service.
	_, _, err = ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "   "})
	apiErr = apiError(t, err, client.ErrBadRequest)
	assert.Equal(t, "name: must not be blank", apiErr.Message)
}

func TestKipuTokenExpiry(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	h.srv.Fake.Now = clk.Now
	ada := h.client(t, h.srv.Token)
	pub := h.client(t, "")

	_, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "old", ExpiresAt: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)})
	apiErr := apiError(t, err, client.ErrBadRequest)
	assert.Contains(t, apiErr.Message, "expiresAt")

	exp := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	created, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "short", ExpiresAt: exp})
	require.NoError(t, err)
	assert.Equal(t, exp, created.ExpiresAt)
	short := h.client(t, created.Value)

	clk.Set(time.Date(2026, 3, 11, 23, 59, 59, 0, time.UTC)) // valid through its expiry day
	_, _, err = short.GetCurrentUser(ctx)
	require.NoError(t, err)

	clk.Set(time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC))
	_, _, err = short.GetCurrentUser(ctx)
	apiErr = apiError(t, err, client.ErrUnauthorized)
	assert.Equal(t, "Unauthorized", apiErr.Code)
	_, _, err = pub.AuthorizeByPersonalAccessToken(ctx, created.Value)
	apiError(t, err, client.ErrUnauthorized)
	_, _, err = ada.GetCurrentUser(ctx) // no expiry
	require.NoError(t, err)
}

func TestKipuRegenerateDefaultToken(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)
	pub := h.client(t, "")

	def, _, err := ada.RegenerateDefaultPersonalAccessToken(ctx)
	require.NoError(t, err)
	require.NotEqual(t, h.srv.Token, def.DefaultToken)

	_, _, err = ada.GetCurrentUser(ctx)
	apiErr := apiError(t, err, client.ErrUnauthorized)
	assert.Equal(t, "Invalid or expired personal access token", apiErr.Message)
	_, _, err = pub.AuthorizeByPersonalAccessToken(ctx, h.srv.Token)
	apiError(t, err, client.ErrUnauthorized)

	fresh := h.client(t, def.DefaultToken)
	list, _, err := fresh.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	assert.Equal(t, def.DefaultToken, list.DefaultToken)
	assert.Len(t, list.Tokens, 2, "named tokens survive")
	principal, _, err := pub.AuthorizeByPersonalAccessToken(ctx, def.DefaultToken)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, principal.UserID)
	assert.Equal(t, "default", principal.AccessToken.Name)
}

func TestKipuRegistrationStatus(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pub := h.client(t, "")
	for email, want := range map[string]kipu.RegistrationResponseStatus{
		"ada@example.com":        kipu.RegistrationResponseStatusAPPROVED,
		" ADA@Example.com ":      kipu.RegistrationResponseStatusAPPROVED,
		kipufake.PendingEmail:    kipu.RegistrationResponseStatusPENDING,
		kipufake.RejectedEmail:   kipu.RegistrationResponseStatusREJECTED,
		kipufake.UnverifiedEmail: kipu.RegistrationResponseStatusEMAILNOTVERIFIED,
		"nobody@example.com":     kipu.RegistrationResponseStatusNOTFOUND,
	} {
		r, _, err := pub.GetUserRegistrationStatus(ctx, email)
		require.NoError(t, err, email)
		assert.Equal(t, want, r.Status, email)
		assert.NotEmpty(t, *r.Message)
	}
	h.srv.Fake.SetRegistrationStatus("New@Example.com", kipu.RegistrationResponseStatusPENDING, "")
	r, _, err := pub.GetUserRegistrationStatus(ctx, "new@example.com")
	require.NoError(t, err)
	assert.Equal(t, kipu.RegistrationResponseStatusPENDING, r.Status)
}

func TestKipuSearchUsers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)
	ids := func(q string) []string {
		hits, _, err := ada.SearchUsers(ctx, q)
		require.NoError(t, err, q)
		out := []string{}
		for _, u := range hits {
			out = append(out, u.ID)
		}
		return out
	}
	assert.Equal(t, []string{kipufake.AdaID}, ids("LOVE"), "last name")
	assert.Equal(t, []string{kipufake.GraceID}, ids("gRaCe"), "first name")
	assert.Equal(t, []string{kipufake.AlanID}, ids("alan@EXAMPLE"), "email")
	assert.Equal(t, []string{kipufake.AdaID, kipufake.AlanID, kipufake.GraceID}, ids("example.com"))
	id, _ := h.srv.Fake.AddUser(kipufake.Identity{Username: "qbit42", Email: "q@lab.example", Firstname: "Q"})
	assert.Equal(t, []string{id}, ids("BIT4"), "username")
	assert.Equal(t, []string{}, ids("zzz-nobody"))

	_, _, err := h.client(t, "").SearchUsers(ctx, "ada")
	require.ErrorIs(t, err, client.ErrNotAuthenticated)
	_, _, err = h.client(t, "kqh_pat_bogus").SearchUsers(ctx, "ada")
	apiError(t, err, client.ErrUnauthorized)
}

func TestKipuDeleteCurrentUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pub := h.client(t, "")
	id, tok := h.srv.Fake.AddUser(kipufake.Identity{Email: "gone@example.com", Firstname: "Gone"})
	gone := h.client(t, tok)
	extra, _, err := gone.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "extra"})
	require.NoError(t, err)
	_, err = gone.UpdateCurrentUserProfileImage(ctx, "me.png", bytes.NewReader(testPNG))
	require.NoError(t, err)
	users := h.srv.Fake.UserCount()

	_, err = gone.DeleteCurrentUser(ctx)
	require.NoError(t, err)

	assert.Equal(t, users-1, h.srv.Fake.UserCount())
	assert.Empty(t, h.srv.Fake.Tokens(id))
	_, _, err = gone.GetCurrentUser(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, _, err = h.client(t, extra.Value).GetCurrentUser(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, _, err = pub.GetUserByID(ctx, id)
	apiError(t, err, client.ErrNotFound)
	_, _, err = pub.GetUserProfileImage(ctx, id)
	apiError(t, err, client.ErrNotFound)
	exists, _, err := pub.CheckUserExists(ctx, id)
	require.NoError(t, err)
	assert.False(t, exists)
	r, _, err := pub.GetUserRegistrationStatus(ctx, "gone@example.com")
	require.NoError(t, err)
	assert.Equal(t, kipu.RegistrationResponseStatusNOTFOUND, r.Status)
	_, ok := h.srv.Fake.User(kipufake.AdaID)
	assert.True(t, ok, "other users untouched")
}

// rawCall sends a raw request and decodes the Spring error body.
func rawCall(t *testing.T, srv *kipufake.Server, method, path, token, contentType string, body io.Reader) (int, kipu.ErrorResponse) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+kipufake.BasePath+path, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var e kipu.ErrorResponse
	if res.StatusCode >= 400 {
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"), "%s %s", method, path)
		require.NoError(t, json.Unmarshal(raw, &e), "body %q", raw)
		assert.Equal(t, int32(res.StatusCode), e.Status)
		assert.Equal(t, http.StatusText(res.StatusCode), e.Error)
		assert.False(t, e.Timestamp.IsZero())
	}
	return res.StatusCode, e
}

func TestKipuBadRequestsAndAuthShape(t *testing.T) {
	srv := kipufake.Start()
	defer srv.Close()
	tok := srv.Token

	status, e := rawCall(t, srv, http.MethodPut, "/me", tok, "application/json", strings.NewReader(`{"about": 5}`))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "/user-service/me", e.Path)
	status, _ = rawCall(t, srv, http.MethodPut, "/me", tok, "application/json", strings.NewReader(`not json`))
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = rawCall(t, srv, http.MethodPost, "/me/personal-access-tokens", tok, "application/json", strings.NewReader(`{"name": ""}`))
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = rawCall(t, srv, http.MethodPost, "/me/personal-access-tokens", tok, "application/json", strings.NewReader(`{"name": "x", "expiresAt": "tomorrow"}`))
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = rawCall(t, srv, http.MethodGet, "/registration-status", "", "", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	status, e = rawCall(t, srv, http.MethodGet, "/registration-status?email=%20%20", "", "", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "email: must not be blank", *e.Message)
	status, e = rawCall(t, srv, http.MethodGet, "/search/users?q=%20", tok, "", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "/user-service/search/users", e.Path)
	status, _ = rawCall(t, srv, http.MethodGet, "/authorize", "", "", nil)
	assert.Equal(t, http.StatusBadRequest, status)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("other", "x"))
	require.NoError(t, mw.Close())
	status, _ = rawCall(t, srv, http.MethodPut, "/me/profile-image", tok, mw.FormDataContentType(), &buf)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = rawCall(t, srv, http.MethodPut, "/me/profile-image", tok, "multipart/form-data; boundary=x", strings.NewReader("garbage"))
	assert.Equal(t, http.StatusBadRequest, status)

	status, e = rawCall(t, srv, http.MethodGet, "/no-such-endpoint", tok, "", nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "/user-service/no-such-endpoint", e.Path)

	status, e = rawCall(t, srv, http.MethodGet, "/me", "", "", nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "/user-service/me", e.Path)
	status, _ = rawCall(t, srv, http.MethodGet, "/me/personal-access-tokens", "kqh_pat_unknown", "", nil)
	assert.Equal(t, http.StatusUnauthorized, status)

	// The facade refuses to send an authenticated call without a token.
	c, err := client.NewKipu(client.WithBaseURL(srv.URL))
	require.NoError(t, err)
	sent := srv.Faults.Requests("getCurrentUser")
	_, _, err = c.GetCurrentUser(context.Background())
	require.ErrorIs(t, err, client.ErrNotAuthenticated)
	assert.Equal(t, sent, srv.Faults.Requests("getCurrentUser"))

	// No state changed by any of the above.
	assert.Len(t, srv.Fake.Tokens(kipufake.AdaID), 3)
}

func TestKipuFaults(t *testing.T) {
	srv := kipufake.Start()
	defer srv.Close()
	ctx := context.Background()
	newClient := func(opts ...client.ClientOption) *client.Kipu {
		c, err := client.NewKipu(append([]client.ClientOption{
			client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(srv.Token),
			client.WithHTTPClient(srv.Client()),
			client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
		}, opts...)...)
		require.NoError(t, err)
		return c
	}
	c := newClient()

	t.Run("503 then recovery", func(t *testing.T) {
		srv.Faults.FailNext(2, "getCurrentUser", http.StatusServiceUnavailable, "0")
		before := srv.Faults.Requests("getCurrentUser")
		me, resp, err := c.GetCurrentUser(ctx)
		require.NoError(t, err)
		assert.Equal(t, kipufake.AdaID, me.ID)
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, before+3, srv.Faults.Requests("getCurrentUser"))
	})

	t.Run("503 on create is retried and creates once", func(t *testing.T) {
		n := len(srv.Fake.Tokens(kipufake.AdaID))
		srv.Faults.FailNext(1, "createPersonalAccessToken", http.StatusServiceUnavailable, "0")
		tok, resp, err := c.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "retried"})
		require.NoError(t, err)
		assert.NotEmpty(t, tok.Value)
		assert.Equal(t, 2, resp.Attempts)
		assert.Len(t, srv.Fake.Tokens(kipufake.AdaID), n+1)
	})

	t.Run("503 exhausts retries with the service's error shape", func(t *testing.T) {
		srv.Faults.FailNext(3, "", http.StatusServiceUnavailable, "0")
		_, _, err := c.GetUserByID(ctx, kipufake.AlanID)
		apiErr := apiError(t, err, client.ErrServer)
		assert.Equal(t, 3, apiErr.Attempts)
		assert.Equal(t, "Service Unavailable", apiErr.Code)
		var body kipu.ErrorResponse
		require.NoError(t, json.Unmarshal(apiErr.Body, &body))
		assert.Equal(t, int32(503), body.Status)
		assert.Equal(t, kipufake.BasePath, body.Path)
	})

	t.Run("dropped connection", func(t *testing.T) {
		// net/http itself resends an idempotent request once when a reused
		// keep-alive connection dies before any answer, so drop twice.
		srv.Faults.Inject(fake.Fault{Operation: "getCurrentUser", Drop: true, Count: 2})
		_, _, err := c.GetCurrentUser(ctx, client.WithMaxRetries(0))
		var te *client.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 1, te.Attempts)
		srv.Faults.Reset()

		srv.Faults.Inject(fake.Fault{Operation: "getCurrentUser", Drop: true, Count: 2})
		me, _, err := c.GetCurrentUser(ctx) // idempotent: retried by the facade
		require.NoError(t, err)
		assert.Equal(t, kipufake.AdaID, me.ID)

		srv.Faults.Inject(fake.Fault{Operation: "createPersonalAccessToken", Drop: true, Count: 2})
		n := len(srv.Fake.Tokens(kipufake.AdaID))
		_, _, err = c.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "dropped"})
		require.ErrorAs(t, err, &te, "a POST whose connection dropped is not retried")
		srv.Faults.Reset()
		assert.Len(t, srv.Fake.Tokens(kipufake.AdaID), n, "the dropped create did not happen")
	})

	t.Run("latency and per-call timeout", func(t *testing.T) {
		srv.Faults.Inject(fake.Fault{Operation: "getUserById", Latency: 2 * time.Second})
		start := time.Now()
		_, _, err := c.GetUserByID(ctx, kipufake.AlanID, client.WithTimeout(50*time.Millisecond), client.WithMaxRetries(0))
		var te *client.TransportError
		require.ErrorAs(t, err, &te)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)

		srv.Faults.Inject(fake.Fault{Operation: "getUserById", Latency: 20 * time.Millisecond})
		u, _, err := c.GetUserByID(ctx, kipufake.AlanID, client.WithTimeout(2*time.Second))
		require.NoError(t, err)
		assert.Equal(t, kipufake.AlanID, u.ID)
	})

	srv.Faults.Reset()
	_, _, err := c.GetCurrentUser(ctx)
	require.NoError(t, err)
}

func TestKipuConcurrentWriters(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ada := h.client(t, h.srv.Token)
	usersBefore := h.srv.Fake.UserCount()
	const n = 32

	var wg sync.WaitGroup
	values := make([]string, n)
	newIDs := make([]string, n)
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			tok, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: fmt.Sprintf("worker-%d", i)})
			if err != nil {
				errs <- err
				return
			}
			values[i] = tok.Value
			if _, _, err := ada.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: str(fmt.Sprintf("about-%d", i))}); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			id, tok := h.srv.Fake.AddIdentity(kipufake.Identity{Email: fmt.Sprintf("worker%d@example.com", i), Firstname: "Worker"})
			c, err := h.newClient(tok)
			if err != nil {
				errs <- err
				return
			}
			me, _, err := c.GetCurrentUser(ctx) // JIT provisioning
			if err != nil {
				errs <- err
				return
			}
			if me.ID != id {
				errs <- fmt.Errorf("got user %s, want %s", me.ID, id)
			}
			newIDs[i] = id
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	list, _, err := ada.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	assert.Len(t, list.Tokens, 2+n)
	seen := map[string]bool{}
	for _, v := range values {
		require.NotEmpty(t, v)
		assert.False(t, seen[v], "token values are unique")
		seen[v] = true
	}
	for _, v := range values[:4] {
		p, _, err := h.client(t, "").AuthorizeByPersonalAccessToken(ctx, v)
		require.NoError(t, err)
		assert.Equal(t, kipufake.AdaID, p.UserID)
	}
	assert.Equal(t, usersBefore+n, h.srv.Fake.UserCount())
	hits, _, err := ada.SearchUsers(ctx, "worker")
	require.NoError(t, err)
	assert.Len(t, hits, n)
	me, _, err := ada.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(*me.About, "about-"))
}
