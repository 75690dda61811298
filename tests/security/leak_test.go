package securitytest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
)

// leakScenario collects what a run over the four services produced: the
// client's debug log (JSON lines), every error string, and every
// credential that was used or seen.
type leakScenario struct {
	t      *testing.T
	ctx    context.Context
	logs   *syncBuffer
	sec    *secrets
	errs   []string
	common []client.ClientOption
	dead   string // base URL of a closed port

	kipuToken string
}

func newLeakScenario(t *testing.T) *leakScenario {
	s := &leakScenario{t: t, ctx: context.Background(), logs: &syncBuffer{}, sec: newSecrets(), dead: "http://" + closedAddr(t)}
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hc := &http.Client{Transport: credentialSniffer{t: t, s: s.sec, next: transport(t)}}
	s.common = []client.ClientOption{
		client.WithLogger(logger),
		client.WithHTTPClient(hc),
		client.WithMaxRetries(1),
		client.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		client.WithTimeout(10 * time.Second),
	}
	return s
}

func (s *leakScenario) opts(base string, more ...client.ClientOption) []client.ClientOption {
	return append(append([]client.ClientOption{client.WithBaseURL(base)}, s.common...), more...)
}

// fail records the error of a call that must fail.
func (s *leakScenario) fail(what string, err error) {
	s.t.Helper()
	if err == nil {
		s.t.Errorf("%s: expected a failure", what)
		return
	}
	s.errs = append(s.errs, what+": "+err.Error(), fmt.Sprintf("%s: %+v", what, err))
}

func (s *leakScenario) ok(what string, err error) {
	s.t.Helper()
	require.NoError(s.t, err, what)
}

// TestNoCredentialInLogsOrErrors runs a scenario over all four services
// with debug logging, including failing calls (wrong passwords, revoked
// and unknown tokens, 401/403, fault-injected 500s and dropped
// connections, connection refused), and scans every log line and every
// error string for every credential involved: PATs, Basic passwords and
// base64(user:pass), Homebox session tokens, attachment tokens and API
// keys, OIDC codes and reset tokens, the Vectara API keys, client secret
// and the OAuth2 access tokens (sniffed from the wire, as no fake exposes
// them).
func TestNoCredentialInLogsOrErrors(t *testing.T) {
	s := newLeakScenario(t)
	s.kipu()
	s.harbor()
	s.homebox()
	s.vectara()

	// The scanner finds a planted secret (so an empty result means
	// something).
	require.Equal(t, []string{"kipu PAT (Ada's default)"}, s.sec.find("x"+s.kipuToken+"y"))

	lines := strings.Split(strings.TrimSpace(s.logs.String()), "\n")
	require.Greater(t, len(lines), 80, "the scenario logged its attempts")
	statuses := map[string]bool{}
	for i, line := range lines {
		strs, err := jsonStrings([]byte(line))
		require.NoError(t, err, "log line %d is not JSON: %s", i, line)
		for _, label := range s.sec.find(line + "\n" + strings.Join(strs, "\n")) {
			t.Errorf("log line %d contains %s: %s", i, label, line)
		}
		for _, st := range []string{`"status":401`, `"status":403`, `"status":500`, `"error":`} {
			if strings.Contains(line, st) {
				statuses[st] = true
			}
		}
	}
	for _, st := range []string{`"status":401`, `"status":403`, `"status":500`, `"error":`} {
		assert.True(t, statuses[st], "the log has failing attempts with %s", st)
	}
	require.Greater(t, len(s.errs), 40, "the scenario collected the failing calls' errors")
	for _, e := range s.errs {
		for _, label := range s.sec.find(e) {
			t.Errorf("error string contains %s: %s", label, e)
		}
	}
	// The OAuth2 access token was sniffed from the wire and scanned for.
	sniffed := false
	for _, label := range s.sec.labels() {
		if strings.HasPrefix(label, "the Authorization header sent to /v2/") {
			sniffed = true
		}
	}
	assert.True(t, sniffed, "the OAuth2 bearer token was captured")
	t.Logf("scanned %d log lines and %d error strings for %d credential encodings", len(lines), len(s.errs), s.sec.len())
}

func (s *leakScenario) kipu() {
	t, ctx := s.t, s.ctx
	srv := kipufake.Start()
	t.Cleanup(srv.Close)
	s.sec.add(t, "kipu PAT (Ada's default)", srv.Token)
	s.kipuToken = srv.Token
	newKipu := func(base, token string) *client.Kipu {
		c, err := client.NewKipu(s.opts(base, client.WithPersonalAccessToken(token))...)
		require.NoError(t, err)
		return c
	}
	k := newKipu(srv.URL, srv.Token)
	_, _, err := k.GetCurrentUser(ctx)
	s.ok("kipu getCurrentUser", err)
	tok, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "leak-check"})
	s.ok("kipu createPersonalAccessToken", err)
	s.sec.add(t, "kipu created PAT", tok.Value)
	_, _, err = k.AuthorizeByPersonalAccessToken(ctx, tok.Value)
	s.ok("kipu authorize", err)
	_, err = k.DeletePersonalAccessToken(ctx, tok.ID)
	s.ok("kipu deletePersonalAccessToken", err)
	_, _, err = k.AuthorizeByPersonalAccessToken(ctx, tok.Value)
	s.fail("kipu authorize a revoked PAT", err)
	_, _, err = newKipu(srv.URL, tok.Value).GetCurrentUser(ctx)
	s.fail("kipu getCurrentUser with a revoked PAT", err)
	const wrong = "kqh_pat_wrong_value_1234567890"
	s.sec.add(t, "kipu wrong PAT", wrong)
	_, _, err = newKipu(srv.URL, wrong).GetPersonalAccessTokens(ctx)
	s.fail("kipu getPersonalAccessTokens with a wrong PAT", err)
	_, _, err = k.AuthorizeByPersonalAccessToken(ctx, wrong)
	s.fail("kipu authorize a wrong PAT", err)

	srv.Faults.FailNext(2, "getCurrentUser", http.StatusInternalServerError, "")
	_, _, err = k.GetCurrentUser(ctx)
	s.fail("kipu getCurrentUser answered 500 twice", err)
	srv.Faults.Inject(fake.Fault{Operation: "getPersonalAccessTokens", Count: 4, Drop: true})
	_, _, err = k.GetPersonalAccessTokens(ctx)
	s.fail("kipu getPersonalAccessTokens on dropped connections", err)
	srv.Faults.Reset()

	_, regenTok := srv.Fake.AddUser(kipufake.Identity{Email: "regen@example.com", Firstname: "Re", Lastname: "Gen"})
	s.sec.add(t, "kipu default PAT before regeneration", regenTok)
	r := newKipu(srv.URL, regenTok)
	d, _, err := r.RegenerateDefaultPersonalAccessToken(ctx)
	s.ok("kipu regenerate", err)
	s.sec.add(t, "kipu regenerated default PAT", d.DefaultToken)
	_, _, err = r.GetCurrentUser(ctx)
	s.fail("kipu getCurrentUser with the replaced default PAT", err)

	deadK := newKipu(s.dead+kipufake.BasePath, srv.Token)
	_, _, err = deadK.GetCurrentUser(ctx)
	s.fail("kipu getCurrentUser, connection refused", err)
	_, _, err = deadK.AuthorizeByPersonalAccessToken(ctx, srv.Token)
	s.fail("kipu authorize, connection refused", err)
	_, err = deadK.UpdateCurrentUserProfileImage(ctx, "x.png", strings.NewReader("\x89PNG\r\n\x1a\n"))
	s.fail("kipu upload, connection refused", err)
}

func (s *leakScenario) harbor() {
	t, ctx := s.t, s.ctx
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	s.sec.addBasic(t, "harbor admin", srv.AdminUser, srv.AdminPassword)
	s.sec.addBasic(t, "harbor alice", srv.User, srv.UserPassword)
	s.sec.addBasic(t, "harbor robot", srv.RobotUser, srv.RobotPassword)
	newHarbor := func(base, user, pass string) *client.Harbor {
		c, err := client.NewHarbor(s.opts(base, client.WithBasicAuth(user, pass))...)
		require.NoError(t, err)
		return c
	}
	admin := newHarbor(srv.URL, srv.AdminUser, srv.AdminPassword)
	_, _, err := admin.GetCurrentUserInfo(ctx)
	s.ok("harbor getCurrentUserInfo", err)
	_, _, err = newHarbor(srv.URL, srv.RobotUser, srv.RobotPassword).GetCurrentUserInfo(ctx)
	s.fail("harbor getCurrentUserInfo as a robot (412)", err)
	_, _, err = newHarbor(srv.URL, srv.User, srv.UserPassword).ListUsers(ctx, nil)
	s.fail("harbor listUsers as a user (403)", err)

	const pw, changed = "Leak-Check-Passw0rd", "Changed-Leak-Passw0rd"
	s.sec.addBasic(t, "harbor new user", "leaky", pw)
	s.sec.addBasic(t, "harbor new user, changed", "leaky", changed)
	id, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "leaky", Email: "leaky@example.com", Realname: "Lea Ky", Password: pw})
	s.ok("harbor createUser", err)
	leaky := newHarbor(srv.URL, "leaky", pw)
	_, err = leaky.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr(pw), NewPassword: changed})
	s.ok("harbor updateUserPassword", err)
	_, _, err = leaky.GetCurrentUserInfo(ctx)
	s.fail("harbor getCurrentUserInfo with the old password", err)
	const weak = "alllowercaseweak"
	s.sec.add(t, "harbor weak password", weak)
	_, err = admin.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: weak})
	s.fail("harbor updateUserPassword to a weak password (400)", err)
	_, err = newHarbor(srv.URL, "leaky", changed).UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr(pw), NewPassword: "Third-Leak-Passw0rd"})
	s.fail("harbor updateUserPassword with a wrong old password (403)", err)
	s.sec.add(t, "harbor third password", "Third-Leak-Passw0rd")
	const wrong = "Wrong-Harbor-Passw0rd"
	s.sec.addBasic(t, "harbor wrong password", srv.AdminUser, wrong)
	_, _, err = newHarbor(srv.URL, srv.AdminUser, wrong).ListUsers(ctx, nil)
	s.fail("harbor listUsers with a wrong password", err)
	_, _, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "leaky", Email: "leaky2@example.com", Realname: "L", Password: pw})
	s.fail("harbor createUser duplicate (409)", err)

	srv.Faults.FailNext(2, "getUser", http.StatusInternalServerError, "")
	_, _, err = admin.GetUser(ctx, id)
	s.fail("harbor getUser answered 500 twice", err)

	srv.Fake.SetAuthMode(harborfake.AuthOIDC)
	const cli, wrongCli = "Cli-Secr3t-Leak", "Wrong-Cli-Secr3t"
	s.sec.addBasic(t, "harbor CLI secret", "leaky", cli)
	s.sec.addBasic(t, "harbor wrong CLI secret", "leaky", wrongCli)
	_, err = admin.SetCliSecret(ctx, id, cli)
	s.ok("harbor setCliSecret", err)
	// A CLI secret is not a credential on /users* (real v2.15.2): refused.
	_, _, err = newHarbor(srv.URL, "leaky", cli).GetCurrentUserInfo(ctx)
	s.fail("harbor getCurrentUserInfo with the CLI secret (401)", err)
	_, _, err = newHarbor(srv.URL, "leaky", wrongCli).GetCurrentUserInfo(ctx)
	s.fail("harbor getCurrentUserInfo with a wrong CLI secret", err)
	_, err = admin.SetCliSecret(ctx, id, "weakclisecret")
	s.fail("harbor setCliSecret weak (400)", err)
	s.sec.add(t, "harbor weak CLI secret", "weakclisecret")
	srv.Fake.SetAuthMode(harborfake.AuthDB)

	deadH := newHarbor(s.dead, srv.AdminUser, srv.AdminPassword)
	_, _, err = deadH.GetCurrentUserInfo(ctx)
	s.fail("harbor getCurrentUserInfo, connection refused", err)
	_, _, err = deadH.CreateUser(ctx, harbor.UserCreationReq{Username: "x", Email: "x@example.com", Realname: "X", Password: pw})
	s.fail("harbor createUser, connection refused", err)
}

func (s *leakScenario) homebox() {
	t, ctx := s.t, s.ctx
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	oidcOn := srv.Fake.Config()
	oidcOn.OIDCEnabled = true
	srv.Fake.SetConfig(oidcOn)
	newHomebox := func(base string, more ...client.ClientOption) *client.Homebox {
		c, err := client.NewHomebox(s.opts(base, more...)...)
		require.NoError(t, err)
		return c
	}
	const email, pw = "leak@example.com", "Homebox-Leak-Passphrase"
	s.sec.add(t, "homebox password", pw)
	hb := newHomebox(srv.URL)
	_, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Leak", Email: email, Password: pw})
	s.ok("homebox register", err)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Leak", Email: email, Password: pw})
	s.fail("homebox register twice (500)", err)
	login, _, err := hb.UserLogin(ctx, email, pw, false)
	s.ok("homebox login", err)
	s.sec.addHeader(t, "homebox session token", login.Token)
	s.sec.add(t, "homebox attachment token", login.AttachmentToken)
	_, _, err = hb.GetUserSelf(ctx)
	s.ok("homebox getUserSelf", err)
	key, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "leak-check"})
	s.ok("homebox createApiKey", err)
	s.sec.add(t, "homebox API key", key.Token)
	byKey := newHomebox(srv.URL, client.WithAPIKey(key.Token))
	_, _, err = byKey.GetUserSelf(ctx)
	s.ok("homebox getUserSelf with the API key", err)
	_, err = byKey.UserLogout(ctx)
	s.fail("homebox logout with an API key (400)", err)

	old := hb.Token()
	ref, _, err := hb.UserTokenRefresh(ctx)
	s.ok("homebox refresh", err)
	s.sec.add(t, "homebox refreshed token", ref.Raw)
	s.sec.add(t, "homebox refreshed attachment token", ref.AttachmentToken)
	_, _, err = newHomebox(srv.URL, client.WithBearerToken(old)).GetUserSelf(ctx)
	s.fail("homebox getUserSelf with a token replaced by refresh", err)
	_, err = hb.DeleteAPIKey(ctx, key.ID)
	s.ok("homebox deleteApiKey", err)
	_, _, err = byKey.GetUserSelf(ctx)
	s.fail("homebox getUserSelf with a revoked API key", err)
	_, _, err = hb.GetUserSelf(ctx, client.WithHeader("X-Tenant", "00000000-0000-4000-8000-000000000001"))
	s.fail("homebox getUserSelf in another tenant (403)", err)

	const wrong = "Wrong-Homebox-Passphrase"
	s.sec.add(t, "homebox wrong password", wrong)
	_, _, err = newHomebox(srv.URL).UserLogin(ctx, email, wrong, false)
	s.fail("homebox login with a wrong password", err)
	const notCurrent, next = "Not-The-Current-Passphrase", "Another-Homebox-Passphrase"
	s.sec.add(t, "homebox wrong current password", notCurrent)
	s.sec.add(t, "homebox refused new password", next)
	_, err = hb.ChangePassword(ctx, notCurrent, next)
	s.fail("homebox changePassword with a wrong current password (500)", err)
	srv.Faults.FailNext(2, "getUserSelf", http.StatusInternalServerError, "")
	_, _, err = hb.GetUserSelf(ctx)
	s.fail("homebox getUserSelf answered 500 twice", err)

	// OIDC: the authorization code travels in the callback's query.
	loc, _, err := hb.OIDCLogin(ctx)
	s.ok("homebox oidcLogin", err)
	state := loc.Query().Get("state")
	code, err := srv.Fake.OIDCAuthorize(state, homeboxfake.OIDCIdentity{Email: "oidc-leak@example.com", Name: "O"})
	s.ok("homebox OIDCAuthorize", err)
	s.sec.add(t, "homebox OIDC authorization code", code)
	_, _, err = hb.OIDCCallback(ctx, code, state)
	s.ok("homebox oidcCallback", err)
	loc, _, err = hb.OIDCLogin(ctx)
	s.ok("homebox oidcLogin", err)
	state = loc.Query().Get("state")
	code, err = srv.Fake.OIDCAuthorize(state, homeboxfake.OIDCIdentity{Email: "oidc-leak@example.com", Name: "O"})
	s.ok("homebox OIDCAuthorize", err)
	s.sec.add(t, "homebox second OIDC authorization code", code)
	srv.Faults.FailNext(2, "oidcCallback", http.StatusInternalServerError, "")
	_, _, err = hb.OIDCCallback(ctx, code, state)
	s.fail("homebox oidcCallback answered 500 twice", err)
	_, _, err = newHomebox(s.dead).OIDCCallback(ctx, code, state)
	s.fail("homebox oidcCallback, connection refused", err)

	// Password reset: the reset token is a credential too.
	_, err = hb.ForgotPassword(ctx, email)
	s.ok("homebox forgotPassword", err)
	resetTok := srv.Fake.LastResetToken(email)
	s.sec.add(t, "homebox reset token", resetTok)
	const reset = "Reset-Homebox-Passphrase"
	s.sec.add(t, "homebox password after reset", reset)
	_, err = hb.ResetPassword(ctx, resetTok, reset)
	s.ok("homebox resetPassword", err)
	_, err = hb.ResetPassword(ctx, resetTok, reset)
	s.fail("homebox resetPassword with a used token (400)", err)
	_, _, err = hb.GetUserSelf(ctx)
	s.fail("homebox getUserSelf after a reset", err)
	login, _, err = hb.UserLogin(ctx, email, reset, true)
	s.ok("homebox login after the reset", err)
	s.sec.addHeader(t, "homebox session token after reset", login.Token)
	s.sec.add(t, "homebox attachment token after reset", login.AttachmentToken)
	loggedOut := hb.Token()
	_, err = hb.UserLogout(ctx)
	s.ok("homebox logout", err)
	_, _, err = newHomebox(srv.URL, client.WithBearerToken(loggedOut)).GetUserSelf(ctx)
	s.fail("homebox getUserSelf with a logged-out token", err)

	_, _, err = newHomebox(s.dead, client.WithBearerToken(loggedOut)).GetUserSelf(ctx)
	s.fail("homebox getUserSelf, connection refused", err)
	_, _, err = newHomebox(s.dead).UserLogin(ctx, email, reset, false)
	s.fail("homebox login, connection refused", err)
}

func (s *leakScenario) vectara() {
	t, ctx := s.t, s.ctx
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	s.sec.add(t, "vectara API key", srv.APIKey)
	s.sec.add(t, "vectara limited API key", srv.LimitedAPIKey)
	s.sec.add(t, "vectara query API key", srv.QueryAPIKey)
	s.sec.add(t, "vectara client secret", srv.ClientSecret)
	newVectara := func(base string, more ...client.ClientOption) *client.Vectara {
		c, err := client.NewVectara(s.opts(base, more...)...)
		require.NoError(t, err)
		return c
	}
	v := newVectara(srv.URL, client.WithAPIKey(srv.APIKey))
	_, _, err := v.GetUser(ctx, "ada@example.com")
	s.ok("vectara getUser", err)
	_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "leak@example.com"})
	s.ok("vectara createUser", err)
	_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "leak@example.com"})
	s.fail("vectara createUser duplicate (409)", err)

	oauth := newVectara(srv.URL, client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))
	_, _, err = oauth.ListUsers(ctx, nil)
	s.ok("vectara listUsers (OAuth2)", err)
	// Past the token's lifetime the service refuses it (401); the client
	// fetches a new one and resends.
	srv.Fake.Advance(31 * time.Minute)
	_, _, err = oauth.GetUser(ctx, "ada@example.com")
	s.ok("vectara getUser with an expired token, renewed", err)

	const wrongKey, wrongSecret = "zut_wrong_key_1234567890", "wrong-client-secret/with+chars"
	s.sec.add(t, "vectara wrong API key", wrongKey)
	s.sec.add(t, "vectara wrong client secret", wrongSecret)
	_, _, err = newVectara(srv.URL, client.WithAPIKey(wrongKey)).GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser with a wrong API key", err)
	_, _, err = newVectara(srv.URL, client.WithAPIKey(srv.LimitedAPIKey)).ListUsers(ctx, nil)
	s.fail("vectara listUsers without an admin role (403)", err)
	_, err = newVectara(srv.URL, client.WithAPIKey(srv.QueryAPIKey)).DeleteUser(ctx, "leak@example.com")
	s.fail("vectara deleteUser with a query key (403)", err)
	_, _, err = newVectara(srv.URL, client.WithClientCredentials(srv.ClientID, wrongSecret, srv.TokenURL)).GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser with a wrong client secret", err)
	srv.Fake.TokenFaults.FailNext(2, "oauth2Token", http.StatusInternalServerError, "")
	_, _, err = newVectara(srv.URL, client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL)).GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser while the token endpoint answers 500", err)
	srv.Fake.TokenFaults.Reset()
	srv.Faults.FailNext(2, "getUser", http.StatusInternalServerError, "")
	_, _, err = v.GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser answered 500 twice", err)
	srv.Faults.FailNext(2, "listUsers", http.StatusInternalServerError, "")
	_, _, err = oauth.ListUsers(ctx, nil)
	s.fail("vectara listUsers (OAuth2) answered 500 twice", err)

	_, _, err = newVectara(s.dead, client.WithAPIKey(srv.APIKey)).GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser, connection refused", err)
	_, _, err = newVectara(s.dead, client.WithClientCredentials(srv.ClientID, srv.ClientSecret, s.dead+vectarafake.TokenPath)).GetUser(ctx, "ada@example.com")
	s.fail("vectara getUser, token endpoint connection refused", err)
}
