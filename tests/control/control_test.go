// Package control tests the fakes' control API (api/control.yaml) through
// its generated client, every exchange validated against the document:
// every operation on every fake that has it, and what each does to the
// fake behind it.
package control

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/gen/control"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/internal/contract"
	"github.com/userapis/userapis-go/internal/services"
)

// setup starts svc's fake with its control API and returns a validating
// control client and the fake.
func setup(t *testing.T, svc string) (*control.ClientWithResponses, *services.Fake, *contract.Transport) {
	t.Helper()
	s, ok := services.Lookup(svc)
	require.True(t, ok)
	f, err := s.Listen("127.0.0.1:0", fake.WithControl(true))
	require.NoError(t, err)
	t.Cleanup(f.Close)
	require.Equal(t, f.URL+fake.ControlPath, f.ControlURL)
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/control.yaml")
	require.NoError(t, err)
	v, err := contract.New(doc, f.ControlURL)
	require.NoError(t, err)
	tr := &contract.Transport{V: v}
	t.Cleanup(func() {
		for _, err := range tr.Errors() {
			t.Errorf("%s: the control API broke its document: %v", svc, err)
		}
	})
	c, err := control.NewClientWithResponses(f.ControlURL, control.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	return c, f, tr
}

func TestControlOffByDefault(t *testing.T) {
	s, _ := services.Lookup("harbor")
	f, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	defer f.Close()
	assert.Empty(t, f.ControlURL)
	resp, err := http.Get(f.URL + fake.ControlPath + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no control API unless asked for")
}

func TestControlEveryFake(t *testing.T) {
	ctx := context.Background()
	for _, s := range services.All {
		t.Run(s.Name, func(t *testing.T) {
			c, f, _ := setup(t, s.Name)
			d, err := c.DescribeFakeWithResponse(ctx)
			require.NoError(t, err)
			require.NotNil(t, d.JSON200, "%d %s", d.StatusCode(), d.Body)
			assert.Equal(t, s.Name, string(d.JSON200.Service))
			assert.Equal(t, f.URL, d.JSON200.URL)
			assert.NotEmpty(t, d.JSON200.Users)
			for k, v := range f.Secrets {
				if k == "token_url" {
					continue
				}
				assert.Equal(t, v, d.JSON200.Credentials[k], "%s: credential %s as serve prints it", s.Name, k)
			}

			// The clock: read, moved, reset.
			c0, err := c.GetClockWithResponse(ctx)
			require.NoError(t, err)
			require.NotNil(t, c0.JSON200)
			assert.Zero(t, c0.JSON200.OffsetSeconds)
			moved, err := c.AdvanceClockWithResponse(ctx, control.Advance{Seconds: 90})
			require.NoError(t, err)
			require.NotNil(t, moved.JSON200)
			assert.InDelta(t, 90, moved.JSON200.OffsetSeconds, 0.001)
			assert.WithinDuration(t, time.Now().Add(90*time.Second), moved.JSON200.Now, 5*time.Second)
			// Refused requests go around the validating transport: the
			// document refuses them too.
			raw, err := control.NewClientWithResponses(f.ControlURL)
			require.NoError(t, err)
			bad, err := raw.AdvanceClockWithResponse(ctx, control.Advance{Seconds: 0})
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, bad.StatusCode())

			// Faults: queued, seen, cleared.
			q, err := c.QueueFaultWithResponse(ctx, control.Fault{Status: client.Ptr(502), Count: client.Ptr(5)})
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, q.StatusCode(), string(q.Body))
			// A routed operation of the service (faults apply to operations).
			op := f.URL + map[string]string{"kipu": "/user-service/me", "harbor": "/api/v2.0/users/current", "homebox": "/api/v1/users/self", "vectara": "/v2/users"}[s.Name]
			got, err := http.Get(op)
			require.NoError(t, err)
			_ = got.Body.Close()
			assert.Equal(t, http.StatusBadGateway, got.StatusCode, "the queued fault answers")
			cl, err := c.ClearFaultsWithResponse(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, cl.StatusCode())
			got, err = http.Get(op)
			require.NoError(t, err)
			_ = got.Body.Close()
			assert.NotEqual(t, http.StatusBadGateway, got.StatusCode, "cleared")
			refused, err := raw.QueueFaultWithResponse(ctx, control.Fault{Operation: client.Ptr("getUser")})
			require.NoError(t, err)
			require.NotNil(t, refused.JSON400)
			assert.Contains(t, refused.JSON400.Error, "status, drop or latency_ms")

			// Unknown kinds, and the service-specific operations elsewhere.
			k, err := c.SeedObjectWithResponse(ctx, "no-such-kind", control.Object{})
			require.NoError(t, err)
			require.NotNil(t, k.JSON404, "%d %s", k.StatusCode(), k.Body)
			if s.Name != "harbor" {
				m, err := c.SetAuthModeWithResponse(ctx, control.AuthMode{Mode: control.AuthModeModeOIDCAuth})
				require.NoError(t, err)
				assert.NotNil(t, m.JSON404)
			}
			if s.Name != "homebox" {
				o, err := c.AuthorizeOIDCWithResponse(ctx, control.OIDCAuthorization{State: "s", Email: "a@b.c"})
				require.NoError(t, err)
				assert.NotNil(t, o.JSON404)
			}

			// Violations: none, and clearing answers 204.
			vs, err := c.ListViolationsWithResponse(ctx)
			require.NoError(t, err)
			require.NotNil(t, vs.JSON200)
			assert.Empty(t, *vs.JSON200)
			cv, err := c.ClearViolationsWithResponse(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, cv.StatusCode())

			// Reset brings the clock back.
			r, err := c.ResetFakeWithResponse(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, r.StatusCode())
			c1, err := c.GetClockWithResponse(ctx)
			require.NoError(t, err)
			assert.Zero(t, c1.JSON200.OffsetSeconds)
		})
	}
}

func TestControlHarbor(t *testing.T) {
	ctx := context.Background()
	c, f, _ := setup(t, "harbor")
	h := f.Value.(*harborfake.Server)
	admin, err := client.NewHarbor(client.WithBaseURL(h.URL), client.WithBasicAuth(h.AdminUser, h.AdminPassword))
	require.NoError(t, err)

	u, err := c.SeedObjectWithResponse(ctx, "user", control.Object{"username": "dave", "email": "dave@example.com", "realname": "Dave", "password": "Passw0rdDave", "sysadmin": true})
	require.NoError(t, err)
	require.NotNil(t, u.JSON201, "%d %s", u.StatusCode(), u.Body)
	id := int64((*u.JSON201)["user_id"].(float64))
	got, _, err := admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.True(t, got.SysadminFlag)
	dup, err := c.SeedObjectWithResponse(ctx, "user", control.Object{"username": "dave", "email": "dave@example.com", "password": "x"})
	require.NoError(t, err)
	require.NotNil(t, dup.JSON400, "a taken name: %d %s", dup.StatusCode(), dup.Body)
	typo, err := c.SeedObjectWithResponse(ctx, "user", control.Object{"usernme": "eve"})
	require.NoError(t, err)
	require.NotNil(t, typo.JSON400)
	assert.Contains(t, typo.JSON400.Error, "usernme")

	// OIDC: a user with a CLI secret, the auth mode switched, setCliSecret works.
	o, err := c.SeedObjectWithResponse(ctx, "oidc-user", control.Object{"username": "oidc-olga", "email": "olga@example.com", "realname": "Olga", "secret": "CliSecret2024"})
	require.NoError(t, err)
	require.NotNil(t, o.JSON201, "%d %s", o.StatusCode(), o.Body)
	oid := int64((*o.JSON201)["user_id"].(float64))
	_, err = admin.SetCliSecret(ctx, oid, "CliSecret2025")
	require.ErrorIs(t, err, client.ErrPreconditionFailed, "db_auth")
	m, err := c.SetAuthModeWithResponse(ctx, control.AuthMode{Mode: control.AuthModeModeOIDCAuth})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, m.StatusCode(), string(m.Body))
	_, err = admin.SetCliSecret(ctx, oid, "CliSecret2025")
	require.NoError(t, err)

	n, err := c.SeedObjectWithResponse(ctx, "users", control.Object{"count": 3})
	require.NoError(t, err)
	require.NotNil(t, n.JSON201, "%d %s", n.StatusCode(), n.Body)
	assert.Len(t, (*n.JSON201)["user_ids"], 3)
	r, err := c.SeedObjectWithResponse(ctx, "robot", control.Object{"name": "robot$ci2", "secret": "R0botSecretCi2"})
	require.NoError(t, err)
	require.NotNil(t, r.JSON201, "%d %s", r.StatusCode(), r.Body)
	d, err := c.DescribeFakeWithResponse(ctx)
	require.NoError(t, err)
	assert.Contains(t, d.JSON200.Objects["robots"], "robot$ci2")
	assert.Contains(t, d.JSON200.Abilities, "setAuthMode")

	// Reset: the seed again, db_auth again, the new users gone.
	_, err = c.ResetFakeWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, harborfake.AuthDB, h.Fake.AuthMode())
	_, found := h.Fake.UserByName("dave")
	assert.False(t, found)
	list, _, err := admin.ListUsers(ctx, &harbor.ListUsersParams{})
	require.NoError(t, err)
	var names []string
	for _, u := range list {
		names = append(names, u.Username)
	}
	assert.Equal(t, []string{"alice", "bob", "carol"}, names, "the seed's users")
	again, err := c.SeedObjectWithResponse(ctx, "user", control.Object{"username": "dave", "email": "dave@example.com", "realname": "Dave", "password": "Passw0rdDave"})
	require.NoError(t, err)
	require.NotNil(t, again.JSON201)
	assert.Equal(t, float64(6), (*again.JSON201)["user_id"], "ids start again after the seed")
}

func TestControlHomebox(t *testing.T) {
	ctx := context.Background()
	c, f, _ := setup(t, "homebox")
	hb := f.Value.(*homeboxfake.Server)
	cfg := hb.Fake.Config()
	cfg.OIDCEnabled = true
	hb.Fake.SetSeedConfig(cfg)
	h, err := client.NewHomebox(client.WithBaseURL(hb.URL))
	require.NoError(t, err)

	// A seeded user logs in; forgot-password puts the token in the outbox.
	u, err := c.SeedObjectWithResponse(ctx, "user", control.Object{"name": "Erin", "email": "erin@example.com", "password": "erin-password"})
	require.NoError(t, err)
	require.NotNil(t, u.JSON201, "%d %s", u.StatusCode(), u.Body)
	_, _, err = h.UserLogin(ctx, "erin@example.com", "erin-password", false)
	require.NoError(t, err)
	_, err = h.ForgotPassword(ctx, "erin@example.com")
	require.NoError(t, err)
	out, err := c.ListOutboxWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, *out.JSON200, 1)
	mail := (*out.JSON200)[0]
	assert.Equal(t, control.MessageKindPasswordReset, mail.Kind)
	assert.Equal(t, "erin@example.com", mail.To)
	assert.Equal(t, hb.Fake.LastResetToken("erin@example.com"), mail.Value, "the Go API and the control API agree")
	_, err = h.ResetPassword(ctx, mail.Value, "erin-new-password")
	require.NoError(t, err)

	// The identity provider: oidcLogin's state, authorized, the code in the outbox.
	loc, _, err := h.OIDCLogin(ctx)
	require.NoError(t, err)
	state := loc.Query().Get("state")
	require.NotEmpty(t, state)
	a, err := c.AuthorizeOIDCWithResponse(ctx, control.OIDCAuthorization{State: state, Email: "oidc@example.com", Name: client.Ptr("OIDC")})
	require.NoError(t, err)
	require.NotNil(t, a.JSON200, "%d %s", a.StatusCode(), a.Body)
	back, _, err := h.OIDCCallback(ctx, a.JSON200.Code, state)
	require.NoError(t, err)
	assert.False(t, strings.Contains(back.RawQuery, "oidc_error"), "logged in: %s", back)
	out, err = c.ListOutboxWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, control.MessageKindOIDCCode, (*out.JSON200)[1].Kind)
	unknown, err := c.AuthorizeOIDCWithResponse(ctx, control.OIDCAuthorization{State: "no-such-state", Email: "x@example.com"})
	require.NoError(t, err)
	assert.NotNil(t, unknown.JSON400)

	inv, err := c.SeedObjectWithResponse(ctx, "invitation", control.Object{"uses": 1})
	require.NoError(t, err)
	require.NotNil(t, inv.JSON201, "%d %s", inv.StatusCode(), inv.Body)
	assert.NotEmpty(t, (*inv.JSON201)["token"])

	// Reset: the seed account only, the outbox empty, the seed config (OIDC on) kept.
	_, err = c.ResetFakeWithResponse(ctx)
	require.NoError(t, err)
	_, found := hb.Fake.User("erin@example.com")
	assert.False(t, found)
	out, err = c.ListOutboxWithResponse(ctx)
	require.NoError(t, err)
	assert.Empty(t, *out.JSON200)
	assert.True(t, hb.Fake.Config().OIDCEnabled, "SetSeedConfig survives a reset")
	_, _, err = h.UserLogin(ctx, hb.Email, hb.Password, false)
	require.NoError(t, err)
}

func TestControlVectaraAndKipu(t *testing.T) {
	ctx := context.Background()
	c, f, _ := setup(t, "vectara")
	v, err := client.NewVectara(f.ClientOptions...)
	require.NoError(t, err)
	for kind, obj := range map[string]control.Object{
		"corpus":  {"key": "node-corpus"},
		"api-key": {"key": "zut_seeded_key_0003", "owner": "ada@example.com"},
		"user":    {"email": "zoe@example.com", "username": "zoe"},
	} {
		r, err := c.SeedObjectWithResponse(ctx, kind, obj)
		require.NoError(t, err)
		require.NotNil(t, r.JSON201, "%s: %d %s", kind, r.StatusCode(), r.Body)
	}
	_, _, err = v.ResetUserPassword(ctx, "zoe")
	require.NoError(t, err)
	out, err := c.ListOutboxWithResponse(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, *out.JSON200)
	last := (*out.JSON200)[len(*out.JSON200)-1]
	assert.Equal(t, control.MessageKindOneTimeCode, last.Kind)
	assert.Equal(t, "zoe", last.To)
	d, err := c.DescribeFakeWithResponse(ctx)
	require.NoError(t, err)
	assert.Contains(t, d.JSON200.Objects["corpora"], "node-corpus")
	_, err = c.ResetFakeWithResponse(ctx)
	require.NoError(t, err)
	_, _, err = v.GetUser(ctx, "zoe")
	assert.ErrorIs(t, err, client.ErrNotFound, "gone after the reset")

	kc, kf, _ := setup(t, "kipu")
	ku, err := kc.SeedObjectWithResponse(ctx, "user", control.Object{"email": "kim@example.com", "firstname": "Kim"})
	require.NoError(t, err)
	require.NotNil(t, ku.JSON201, "%d %s", ku.StatusCode(), ku.Body)
	tok := (*ku.JSON201)["personal_access_token"].(string)
	k, err := client.NewKipu(client.WithBaseURL(kf.URL), client.WithPersonalAccessToken(tok))
	require.NoError(t, err)
	me, _, err := k.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, (*ku.JSON201)["id"], me.ID)
	_, err = kc.ResetFakeWithResponse(ctx)
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(ctx)
	assert.ErrorIs(t, err, client.ErrUnauthorized, "the seeded user's token is gone after the reset")
}
