package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/contract"
	"github.com/userapis/userapis-go/internal/services"
)

// transcript prints one line per step with its timing, and checks every
// exchange against the service's OpenAPI document.
type transcript struct {
	w         io.Writer
	steps     int
	start     time.Time
	contracts []*serviceContract
}

type serviceContract struct {
	name string
	doc  *openapi3.T
	tr   *contract.Transport
}

// checked returns an option routing a client through a validating
// transport for the document swagger returns, and records it for the
// summary.
func (t *transcript) checked(name string, swagger func() (*openapi3.T, error), baseURL string, skip func(*http.Request) bool) (client.Option, error) {
	doc, err := swagger()
	if err != nil {
		return nil, err
	}
	// The embedded document carries Go-cased operationIds; use the document's.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.OperationID = strings.ToLower(op.OperationID[:1]) + op.OperationID[1:]
		}
	}
	v, err := contract.New(doc, baseURL)
	if err != nil {
		return nil, err
	}
	tr := &contract.Transport{V: v, Skip: skip}
	t.contracts = append(t.contracts, &serviceContract{name: name, doc: doc, tr: tr})
	return client.WithHTTPClient(&http.Client{Transport: tr}), nil
}

// summary prints operations covered and contract violations per service; it
// fails when an exchange broke its document.
func (t *transcript) summary() error {
	fmt.Fprintf(t.w, "\n== Contract check (every request and response validated against api/*.yaml)\n")
	total, covered, violations := 0, 0, 0
	for _, c := range t.contracts {
		all := contract.OperationIDs(c.doc)
		seen := c.tr.Covered()
		errs := c.tr.Errors()
		total += len(all)
		covered += len(seen)
		violations += len(errs)
		fmt.Fprintf(t.w, "   %-8s %2d/%2d operations exercised, %d violation(s)\n", c.name, len(seen), len(all), len(errs))
		for _, e := range errs {
			fmt.Fprintf(t.w, "            %v\n", e)
		}
	}
	fmt.Fprintf(t.w, "   all      %2d/%2d operations, %d violation(s)\n", covered, total, violations)
	if violations > 0 {
		return fmt.Errorf("%d contract violation(s)", violations)
	}
	return nil
}

func (t *transcript) section(title, detail string) {
	fmt.Fprintf(t.w, "\n== %s\n   %s\n", title, detail)
}

// step runs fn and prints its outcome; an error ends the demo.
func (t *transcript) step(label string, fn func() (string, error)) error {
	t.steps++
	start := time.Now()
	detail, err := fn()
	d := time.Since(start)
	if err != nil {
		fmt.Fprintf(t.w, "  FAIL %-58s %8s  %v\n", label, round(d), err)
		return fmt.Errorf("%s: %w", label, err)
	}
	fmt.Fprintf(t.w, "  ok   %-58s %8s  %s\n", label, round(d), detail)
	return nil
}

// refused runs fn, which must fail with want; it prints the typed error.
func (t *transcript) refused(label string, want error, fn func() error) error {
	return t.step(label, func() (string, error) {
		err := fn()
		if err == nil {
			return "", fmt.Errorf("expected an error matching %v, got success", want)
		}
		if !errors.Is(err, want) {
			return "", fmt.Errorf("expected %v, got: %w", want, err)
		}
		return "refused as expected: " + err.Error(), nil
	})
}

func round(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	default:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
}

func ptr[T any](v T) *T { return &v }

// runDemo walks a realistic scenario through every service with the client
// package against in-process fakes.
// scenarios are the demo's walk through each service of the table.
var scenarios = map[string]func(context.Context, *transcript, []client.Option) error{
	"kipu": demoKipu, "harbor": demoHarbor, "homebox": demoHomebox, "vectara": demoVectara,
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "log every HTTP attempt (credentials redacted) to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis demo [-v]\n\nWalks a scenario through all four services on in-process fakes; needs no credentials or network.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	common := []client.Option{client.WithRetryBackoff(5*time.Millisecond, 50*time.Millisecond)}
	if *verbose {
		common = append(common, client.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	t := &transcript{w: stdout, start: time.Now()}
	fmt.Fprintf(stdout, "userapis-go demo: %d user-management APIs, in-process fakes, zero credentials\n", len(services.All))
	for _, svc := range services.All {
		part := scenarios[svc.Name]
		if part == nil {
			return fmt.Errorf("no demo scenario for service %q", svc.Name)
		}
		if err := part(ctx, t, common); err != nil {
			return err
		}
	}
	if err := t.summary(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d steps across %d services in %s — every call went through the client package.\n", t.steps, len(services.All), round(time.Since(t.start)))
	return nil
}

func demoKipu(ctx context.Context, t *transcript, common []client.Option) error {
	srv := kipufake.Start()
	defer srv.Close()
	t.section("Kipu Quantum Hub user-service", "fake at "+srv.URL+" — personal access token in X-Auth-Token")
	check, err := t.checked("kipu", kipu.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	k, err := client.NewKipu(append(common, client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(srv.Token))...)
	if err != nil {
		return err
	}
	var me *kipu.UserDto
	var pat *kipu.AccessTokenDto
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"getCurrentUser (provisioned on first call)", func() (string, error) {
			u, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return "", err
			}
			me = u
			return fmt.Sprintf("id=%s email=%s", u.Id, deref(u.Email)), nil
		}},
		{"updateCurrentUser", func() (string, error) {
			u, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: ptr("Quantum engineer"), Homepage: ptr("https://example.com/ada")})
			if err != nil {
				return "", err
			}
			return "position=" + deref(u.CurrentPosition), nil
		}},
		{"updateCurrentUserProfileImage (multipart)", func() (string, error) {
			png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
			_, err := k.UpdateCurrentUserProfileImage(ctx, "ada.png", bytes.NewReader(png))
			return fmt.Sprintf("%d bytes uploaded", len(png)), err
		}},
		{"getUserProfileImage (public)", func() (string, error) {
			img, _, err := k.GetUserProfileImage(ctx, me.Id)
			if err != nil {
				return "", err
			}
			if img == nil {
				return "", errors.New("no image after the upload")
			}
			ct, data, err := client.ParseDataURI(*img)
			return fmt.Sprintf("nullable string (data: URI): %s, %d bytes", ct, len(data)), err
		}},
		{"createPersonalAccessToken", func() (string, error) {
			tok, _, err := k.CreatePersonalAccessToken(ctx, kipu.CreateAccessTokenRequest{Name: "ci-pipeline"})
			if err != nil {
				return "", err
			}
			pat = tok
			return fmt.Sprintf("id=%s, raw value shown once (%d chars, not printed)", tok.Id, len(deref(tok.Value))), nil
		}},
		{"getPersonalAccessTokens", func() (string, error) {
			list, _, err := k.GetPersonalAccessTokens(ctx)
			if err != nil {
				return "", err
			}
			n, withValue := 0, 0
			if list.AccessTokens != nil {
				for _, tk := range *list.AccessTokens {
					n++
					if tk.Value != nil {
						withValue++
					}
				}
			}
			return fmt.Sprintf("%d tokens, %d with a raw value", n, withValue), nil
		}},
		{"authorizeByPersonalAccessToken (public)", func() (string, error) {
			p, _, err := k.AuthorizeByPersonalAccessToken(ctx, deref(pat.Value))
			if err != nil {
				return "", err
			}
			return "principal " + p.Id, nil
		}},
		{"getUserById + checkUserExists (public)", func() (string, error) {
			u, _, err := k.GetUserByID(ctx, me.Id)
			if err != nil {
				return "", err
			}
			ok, _, err := k.CheckUserExists(ctx, me.Id)
			if err != nil {
				return "", err
			}
			missing, _, err := k.CheckUserExists(ctx, "no-such-user")
			return fmt.Sprintf("%s %s exists=%v, unknown exists=%v", deref(u.Firstname), deref(u.Lastname), ok, missing), err
		}},
		{"searchUsers q=lov", func() (string, error) {
			res, _, err := k.SearchUsers(ctx, "lov")
			return fmt.Sprintf("%d match(es)", len(res)), err
		}},
		{"getUserRegistrationStatus", func() (string, error) {
			st, _, err := k.GetUserRegistrationStatus(ctx, deref(me.Email))
			if err != nil {
				return "", err
			}
			return string(st.Status), nil
		}},
		{"deletePersonalAccessToken", func() (string, error) {
			_, err := k.DeletePersonalAccessToken(ctx, pat.Id)
			return "revoked " + pat.Id, err
		}},
		{"deleteCurrentUserProfileImage", func() (string, error) {
			_, err := k.DeleteCurrentUserProfileImage(ctx)
			return "removed", err
		}},
	}
	for _, s := range steps {
		if err := t.step("kipu "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("kipu authorize with the revoked token", client.ErrUnauthorized, func() error {
		_, _, err := k.AuthorizeByPersonalAccessToken(ctx, deref(pat.Value))
		return err
	}); err != nil {
		return err
	}
	if err := t.refused("kipu getUserById(\"..\") never leaves the client", client.ErrInvalidParam, func() error {
		_, _, err := k.GetUserByID(ctx, "..")
		return err
	}); err != nil {
		return err
	}
	var newDefault string
	if err := t.step("kipu regenerateDefaultPersonalAccessToken", func() (string, error) {
		d, _, err := k.RegenerateDefaultPersonalAccessToken(ctx)
		if err != nil {
			return "", err
		}
		newDefault = d.DefaultToken
		return fmt.Sprintf("new default token (%d chars, not printed)", len(d.DefaultToken)), nil
	}); err != nil {
		return err
	}
	if err := t.refused("kipu old default token stops working", client.ErrUnauthorized, func() error {
		_, _, err := k.GetCurrentUser(ctx)
		return err
	}); err != nil {
		return err
	}
	return t.step("kipu deleteCurrentUser (with the new default token)", func() (string, error) {
		opt := client.WithPersonalAccessToken(newDefault)
		if _, err := k.DeleteCurrentUser(ctx, opt); err != nil {
			return "", err
		}
		exists, _, err := k.CheckUserExists(ctx, me.Id)
		return fmt.Sprintf("account gone: exists=%v", exists), err
	})
}

func demoHarbor(ctx context.Context, t *transcript, common []client.Option) error {
	srv := harborfake.Start()
	defer srv.Close()
	srv.Fake.SeedUsers(250)
	t.section("Harbor v2.0", "fake at "+srv.URL+"/api/v2.0 — HTTP Basic, 250 seeded users")
	check, err := t.checked("harbor", harbor.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	admin, err := client.NewHarbor(append(common, client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))...)
	if err != nil {
		return err
	}
	var id int64
	const pw = "Tr0ub4dor&3x"
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"getCurrentUserInfo", func() (string, error) {
			u, _, err := admin.GetCurrentUserInfo(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s (sysadmin=%v)", u.Username, u.SysadminFlag), nil
		}},
		{"createUser", func() (string, error) {
			var resp *client.Response
			var err error
			id, resp, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "grace", Email: "grace@example.com", Realname: "Grace Hopper", Password: pw}, client.WithRequestID("demo-create-1"))
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("id=%d (Location %s, X-Request-Id %s)", id, resp.Header.Get("Location"), resp.RequestID), nil
		}},
		{"getUser", func() (string, error) {
			u, _, err := admin.GetUser(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Username + " <" + deref(u.Email) + ">", nil
		}},
		{"updateUserProfile", func() (string, error) {
			_, err := admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "grace@navy.example", Realname: "Grace B. Hopper", Comment: ptr("COBOL")})
			return "email and realname replaced", err
		}},
		{"listUsers q=username=~gra (query builder)", func() (string, error) {
			q, err := client.NewHarborQuery().Fuzzy("username", "gra").Build()
			if err != nil {
				return "", err
			}
			users, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: &q})
			return fmt.Sprintf("q=%q → %d user(s), X-Total-Count %d", q, len(users), resp.TotalCount), err
		}},
		{"listUsers iterator (page_size 100)", func() (string, error) {
			n := 0
			for _, err := range admin.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: ptr(int64(100))}) {
				if err != nil {
					return "", err
				}
				n++
			}
			return fmt.Sprintf("%d users over %d pages (Link rel=next)", n, (n+99)/100), nil
		}},
		{"searchUsers username=gra (one call: Harbor's search does not page)", func() (string, error) {
			res, resp, err := admin.SearchUsers(ctx, "gra", nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d hit(s) of %d", len(res), resp.TotalCount), nil
		}},
		{"setUserSysAdmin", func() (string, error) {
			_, err := admin.SetUserSysAdmin(ctx, id, true)
			return "grace is now a system admin", err
		}},
		{"updateUserPassword (as the user, old password checked)", func() (string, error) {
			grace, err := client.NewHarbor(append(common, client.WithBaseURL(srv.URL), client.WithBasicAuth("grace", pw))...)
			if err != nil {
				return "", err
			}
			_, err = grace.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: ptr(pw), NewPassword: "N3w-Passw0rd"})
			return "changed", err
		}},
		{"getCurrentUserPermissions scope=/system", func() (string, error) {
			perms, _, err := admin.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: ptr("/system")})
			if err != nil || len(perms) == 0 {
				return fmt.Sprintf("%d permission(s)", len(perms)), err
			}
			return fmt.Sprintf("%d permission(s), e.g. %s on %s", len(perms), perms[0].Action, perms[0].Resource), nil
		}},
	}
	for _, s := range steps {
		if err := t.step("harbor "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("harbor createUser duplicate", client.ErrConflict, func() error {
		_, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "grace", Email: "other@example.com", Realname: "G", Password: pw})
		return err
	}); err != nil {
		return err
	}
	if err := t.refused("harbor setCliSecret outside OIDC mode", client.ErrPreconditionFailed, func() error {
		_, err := admin.SetCliSecret(ctx, id, "Secr3tValue1")
		return err
	}); err != nil {
		return err
	}
	if err := t.step("harbor deleteUser", func() (string, error) {
		_, err := admin.DeleteUser(ctx, id)
		return fmt.Sprintf("user %d deleted", id), err
	}); err != nil {
		return err
	}
	return t.refused("harbor getUser after delete", client.ErrNotFound, func() error {
		_, _, err := admin.GetUser(ctx, id)
		return err
	})
}

func demoHomebox(ctx context.Context, t *transcript, common []client.Option) error {
	srv := homeboxfake.Start()
	defer srv.Close()
	// OIDC is off on a server that has no OIDC settings; the demo shows it on.
	cfg := srv.Fake.Config()
	cfg.OIDCEnabled = true
	srv.Fake.SetConfig(cfg)
	t.section("Homebox", "fake at "+srv.URL+"/api — bearer session tokens and API keys")
	check, err := t.checked("homebox", homebox.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	hb, err := client.NewHomebox(append(common, client.WithBaseURL(srv.URL))...)
	if err != nil {
		return err
	}
	const email, pw = "linus@example.com", "correct horse battery"
	var keyID homebox.APIKeyOut
	var oidcState string
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"registerNewUser", func() (string, error) {
			_, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Linus", Email: email, Password: pw})
			return email, err
		}},
		{"userLogin (token kept by the client)", func() (string, error) {
			tok, _, err := hb.UserLogin(ctx, email, pw, false)
			if err != nil {
				return "", err
			}
			return "session until " + tok.ExpiresAt.Format(time.DateOnly), nil
		}},
		{"getUserSelf", func() (string, error) {
			u, _, err := hb.GetUserSelf(ctx)
			if err != nil {
				return "", err
			}
			return u.Name + " <" + u.Email + ">", nil
		}},
		{"updateUserSettings (replaces the object)", func() (string, error) {
			s, _, err := hb.UpdateUserSettings(ctx, homebox.UserSettings{"theme": "dark", "locale": "de-CH"})
			return fmt.Sprintf("%d keys stored", len(s)), err
		}},
		{"getUserSettings", func() (string, error) {
			s, _, err := hb.GetUserSettings(ctx)
			return fmt.Sprintf("theme=%v", s["theme"]), err
		}},
		{"createApiKey (token shown once)", func() (string, error) {
			k, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "backup-script"})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("id=%s (%d-char token, not printed)", k.Id, len(k.Token)), nil
		}},
		{"listApiKeys", func() (string, error) {
			keys, _, err := hb.ListAPIKeys(ctx)
			if err == nil && len(keys) > 0 {
				keyID = keys[0]
			}
			return fmt.Sprintf("%d key(s), newest %q", len(keys), keyID.Name), err
		}},
		{"deleteApiKey", func() (string, error) {
			_, err := hb.DeleteAPIKey(ctx, keyID.Id)
			return "revoked", err
		}},
		{"userTokenRefresh (old token dies)", func() (string, error) {
			_, _, err := hb.UserTokenRefresh(ctx)
			return "client switched to the new token", err
		}},
		{"updateAccount", func() (string, error) {
			u, _, err := hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "Linus T.", Email: email})
			if err != nil {
				return "", err
			}
			return "name=" + u.Name, nil
		}},
		{"changePassword (other sessions revoked)", func() (string, error) {
			_, err := hb.ChangePassword(ctx, pw, pw+"!")
			return "changed", err
		}},
		{"oidcLogin (302 returned, not followed)", func() (string, error) {
			u, _, err := hb.OIDCLogin(ctx)
			if err != nil {
				return "", err
			}
			oidcState = u.Query().Get("state")
			return "→ " + u.Host + u.Path, nil
		}},
		{"oidcCallback (the fake plays the identity provider)", func() (string, error) {
			code, err := srv.Fake.OIDCAuthorize(oidcState, homeboxfake.OIDCIdentity{Email: "margaret@example.com", Name: "Margaret"})
			if err != nil {
				return "", err
			}
			u, _, err := hb.OIDCCallback(ctx, code, oidcState)
			if err != nil {
				return "", err
			}
			return "→ " + u.RequestURI(), nil
		}},
		{"forgotPassword", func() (string, error) {
			_, err := hb.ForgotPassword(ctx, email)
			return "204 whether or not the address is known", err
		}},
		{"resetPassword (token from the fake's outbox)", func() (string, error) {
			_, err := hb.ResetPassword(ctx, srv.Fake.LastResetToken(email), "a whole new passphrase")
			return "password reset; sessions revoked", err
		}},
	}
	for _, s := range steps {
		if err := t.step("homebox "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("homebox getUserSelf after the reset", client.ErrUnauthorized, func() error {
		_, _, err := hb.GetUserSelf(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := t.step("homebox userLogin + userLogout", func() (string, error) {
		if _, _, err := hb.UserLogin(ctx, email, "a whole new passphrase", true); err != nil {
			return "", err
		}
		_, err := hb.UserLogout(ctx)
		return "token cleared: " + fmt.Sprint(hb.Token() == ""), err
	}); err != nil {
		return err
	}
	if err := t.step("homebox userLogoutAll (two sessions end at once)", func() (string, error) {
		other, err := client.NewHomebox(append(common, client.WithBaseURL(srv.URL))...)
		if err != nil {
			return "", err
		}
		for _, c := range []*client.Homebox{hb, other} {
			if _, _, err := c.UserLogin(ctx, email, "a whole new passphrase", false); err != nil {
				return "", err
			}
		}
		if _, err := hb.UserLogoutAll(ctx); err != nil {
			return "", err
		}
		_, _, err = other.GetUserSelf(ctx)
		if !errors.Is(err, client.ErrUnauthorized) {
			return "", fmt.Errorf("the other session still works: %v", err)
		}
		return "the other session gets 401 now", nil
	}); err != nil {
		return err
	}
	return t.step("homebox deleteAccount", func() (string, error) {
		if _, _, err := hb.UserLogin(ctx, email, "a whole new passphrase", false); err != nil {
			return "", err
		}
		_, err := hb.DeleteAccount(ctx)
		return "account deleted", err
	})
}

func demoVectara(ctx context.Context, t *transcript, common []client.Option) error {
	srv := vectarafake.Start()
	defer srv.Close()
	t.section("Vectara v2", "fake at "+srv.URL+" — OAuth2 client credentials (token cached), x-api-key also accepted")
	check, err := t.checked("vectara", vectara.GetSpec, srv.URL, func(r *http.Request) bool {
		return r.URL.String() == srv.TokenURL // the OAuth2 token endpoint is not in the document
	})
	if err != nil {
		return err
	}
	common = append(common, check)
	v, err := client.NewVectara(append(common, client.WithBaseURL(srv.URL), client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))...)
	if err != nil {
		return err
	}
	const name = "marie.curie@example.com"
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"createUser", func() (string, error) {
			u, resp, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: name, Description: ptr("physicist"), ApiRoles: &[]vectara.ApiRole{vectara.ApiRoleCorpusAdministrator}})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d, username=%s", resp.StatusCode, deref(u.Username)), nil
		}},
		{"getUser (username percent-encoded by the client)", func() (string, error) {
			u, resp, err := v.GetUser(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s via %s", deref(u.Id), resp.Request.URL.EscapedPath()), nil
		}},
		{"updateUser (PATCH)", func() (string, error) {
			u, _, err := v.UpdateUser(ctx, name, vectara.UpdateUserRequest{Enabled: ptr(false)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("enabled=%v", deref(u.Enabled)), nil
		}},
		{"listUsers iterator (page_key, limit 5)", func() (string, error) {
			n := 0
			for _, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: ptr(int32(5))}) {
				if err != nil {
					return "", err
				}
				n++
			}
			return fmt.Sprintf("%d users", n), nil
		}},
		{"resetUserPassword", func() (string, error) {
			r, _, err := v.ResetUserPassword(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("one-time link issued=%v", r.OneTimeCodeLink != nil), nil
		}},
		{"503 + Retry-After: 0 injected, then getUser", func() (string, error) {
			srv.Faults.FailNext(1, "getUser", 503, "0")
			_, resp, err := v.GetUser(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("recovered after %d attempts", resp.Attempts), nil
		}},
		{"deleteUser", func() (string, error) {
			_, err := v.DeleteUser(ctx, name)
			return "204", err
		}},
	}
	for _, s := range steps {
		if err := t.step("vectara "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("vectara getUser after delete", client.ErrNotFound, func() error {
		_, _, err := v.GetUser(ctx, name)
		return err
	}); err != nil {
		return err
	}
	return t.step("vectara token endpoint hits", func() (string, error) {
		n := srv.Fake.TokenRequests()
		if n != 1 {
			return "", fmt.Errorf("expected the OAuth2 token to be fetched once and cached, got %d fetches", n)
		}
		return fmt.Sprintf("%d fetch, cached across every call above", n), nil
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
