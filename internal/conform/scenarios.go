// The scenario of each service: read-only steps first, then the steps that
// create objects (named with the run's prefix) and remove them.

package conform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
)

// Config is what a scenario needs: the server, its credentials and the
// prefix of every object it creates.
type Config struct {
	URL string
	// Kipu: a personal access token, or an OAuth2 access token.
	Token, BearerToken string
	// Harbor: HTTP Basic.
	Username, Password string
	// Homebox: an email and password to log in with, or a token / API key.
	Email string
	// Vectara (and Homebox): an API key; or OAuth2 client credentials.
	APIKey                           string
	ClientID, ClientSecret, TokenURL string
	// Prefix starts the name of every object a write step creates.
	Prefix string
	// PageSize is the page size of the paging checks (default 10).
	PageSize int
	// MaxPages bounds the pages a paging check reads (default 20).
	MaxPages int
}

// Services are the services a scenario exists for.
var Services = []string{"kipu", "harbor", "homebox", "vectara"}

// Scenario returns the steps for service, on a client whose requests go
// through hc, and the cleanups its write steps register.
func Scenario(service string, cfg Config, hc *http.Client) ([]Step, *Cleanups, error) {
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 20
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 10
	}
	cl := &Cleanups{}
	common := []client.ClientOption{client.WithBaseURL(cfg.URL), client.WithHTTPClient(hc), client.WithUserAgent("userapis-conform/" + client.Version)}
	switch service {
	case "kipu":
		return kipuSteps(cfg, common, hc, cl)
	case "harbor":
		return harborSteps(cfg, common, hc, cl)
	case "homebox":
		return homeboxSteps(cfg, common, hc, cl)
	case "vectara":
		return vectaraSteps(cfg, common, hc, cl)
	}
	return nil, nil, fmt.Errorf("unknown service %q (want one of %s)", service, strings.Join(Services, ", "))
}

func kipuSteps(cfg Config, common []client.ClientOption, hc *http.Client, cl *Cleanups) ([]Step, *Cleanups, error) {
	opts := common
	var kipuAuth string // the credential header, for the raw requests
	switch {
	case cfg.BearerToken != "":
		opts = append(opts, client.WithBearerToken(cfg.BearerToken))
		kipuAuth = "Authorization: Bearer " + cfg.BearerToken
	case cfg.Token != "":
		opts = append(opts, client.WithPersonalAccessToken(cfg.Token))
		kipuAuth = "X-Auth-Token: " + cfg.Token
	default:
		return nil, nil, errors.New("kipu needs -token (a personal access token) or -bearer-token")
	}
	server := baseOf(cfg.URL, "/user-service")
	k, err := client.NewKipu(opts...)
	if err != nil {
		return nil, nil, err
	}
	var myID string
	var created *client.KipuAccessToken
	steps := []Step{
		{Name: "getCurrentUser", Run: func(ctx context.Context) error {
			me, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return err
			}
			myID = me.ID
			return nil
		}},
		{Name: "getUserById + checkUserExists: the current user is found", Run: func(ctx context.Context) error {
			if myID == "" {
				return errors.New("needs getCurrentUser")
			}
			u, _, err := k.GetUserByID(ctx, myID)
			if err != nil {
				return err
			}
			if u.ID != myID {
				return Behaviourf("getUserById(%s) returned user %s", myID, u.ID)
			}
			ok, _, err := k.CheckUserExists(ctx, myID)
			if err != nil {
				return err
			}
			if !ok {
				return Behaviourf("checkUserExists(%s) = false for the current user", myID)
			}
			return nil
		}},
		{Name: "getUserProfileImage", Run: func(ctx context.Context) error {
			if myID == "" {
				return errors.New("needs getCurrentUser")
			}
			img, _, err := k.GetUserProfileImage(ctx, myID)
			if err == nil && img != nil {
				if _, _, perr := client.ParseDataURI(*img); perr != nil {
					return Behaviourf("profile image is not a data: URI: %v", perr)
				}
			}
			return err
		}},
		{Name: "getPersonalAccessTokens", Run: func(ctx context.Context) error {
			list, _, err := k.GetPersonalAccessTokens(ctx)
			if err != nil {
				return err
			}
			for _, t := range list.Tokens {
				if t.Value != "" {
					return Behaviourf("token %s listed with its raw value", t.ID)
				}
			}
			return nil
		}},
		{Name: "createPersonalAccessToken + authorizeByPersonalAccessToken: the new token works", Write: true, Run: func(ctx context.Context) error {
			name := cfg.Prefix + "token"
			t, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: name})
			if err != nil {
				return err
			}
			created = t
			cl.Add("deletePersonalAccessToken "+name, func(ctx context.Context) error {
				_, err := k.DeletePersonalAccessToken(ctx, t.ID)
				return err
			})
			if t.Value == "" {
				return Behaviourf("created token %s has no raw value", t.ID)
			}
			p, _, err := k.AuthorizeByPersonalAccessToken(ctx, t.Value)
			if err != nil {
				return err
			}
			if myID != "" && p.UserID != myID {
				return Behaviourf("the new token authorizes user %s, not %s", p.UserID, myID)
			}
			list, _, err := k.GetPersonalAccessTokens(ctx)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(list.Tokens, func(x client.KipuAccessToken) bool { return x.ID == t.ID }) {
				return Behaviourf("created token %s is not listed", t.ID)
			}
			return nil
		}},
		{Name: "deletePersonalAccessToken: the token stops working", Write: true, Run: func(ctx context.Context) error {
			if created == nil {
				return Skip("needs the token createPersonalAccessToken made")
			}
			name := "deletePersonalAccessToken " + cfg.Prefix + "token"
			if _, err := k.DeletePersonalAccessToken(ctx, created.ID); err != nil {
				return err
			}
			cl.Forget(name)
			_, _, err := k.AuthorizeByPersonalAccessToken(ctx, created.Value)
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("a deleted token still authorizes (err %v)", err)
			}
			return nil
		}},
		{Name: "searchUsers + getUserRegistrationStatus: the current user is found and registered", Run: func(ctx context.Context) error {
			me, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return err
			}
			if q := deref(me.Username); q != "" {
				found, _, err := k.SearchUsers(ctx, q)
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(found, func(u kipu.UserSearchDto) bool { return u.ID == me.ID }) {
					return Behaviourf("searchUsers(%q) does not find the current user", q)
				}
			}
			if email := deref(me.Email); email != "" {
				st, _, err := k.GetUserRegistrationStatus(ctx, email)
				if err != nil {
					return err
				}
				if st.Status == kipu.RegistrationResponseStatusNOTFOUND {
					return Behaviourf("getUserRegistrationStatus(current user) = %v", st.Status)
				}
			}
			st, _, err := k.GetUserRegistrationStatus(ctx, cfg.Prefix+"nobody@example.invalid")
			if err != nil {
				return err
			}
			if st.Status != kipu.RegistrationResponseStatusNOTFOUND {
				return Behaviourf("an unknown e-mail's status is %v, want NOT_FOUND", st.Status)
			}
			return nil
		}},
		{Name: "error: no credential and a wrong token are 401", Refused: true, Run: func(ctx context.Context) error {
			_, _, err := k.GetCurrentUser(ctx, client.WithoutAuth())
			if err := wantStatus(err, http.StatusUnauthorized); err != nil {
				return err
			}
			_, _, err = k.GetCurrentUser(ctx, client.WithPersonalAccessToken("kqh_not_a_token_0000000000"))
			return wantStatus(err, http.StatusUnauthorized)
		}},
		{Name: "error: an unknown user is 404 (getUserById), false (checkUserExists)", Run: func(ctx context.Context) error {
			const nobody = "00000000-0000-4000-8000-000000000000"
			_, _, err := k.GetUserByID(ctx, nobody)
			if err := wantStatus(err, http.StatusNotFound); err != nil {
				return err
			}
			ok, _, err := k.CheckUserExists(ctx, nobody)
			if err != nil {
				return err
			}
			if ok {
				return Behaviourf("checkUserExists(%s) = true", nobody)
			}
			return nil
		}},
		{Name: "error: deleting an unknown token is 404", Write: true, Run: func(ctx context.Context) error {
			_, err := k.DeletePersonalAccessToken(ctx, "00000000-0000-4000-8000-000000000000")
			return wantStatus(err, http.StatusNotFound)
		}},
		{Name: "error: a malformed profile update is 400", Write: true, Refused: true, Run: func(ctx context.Context) error {
			status, body, err := rawJSON(ctx, hc, http.MethodPut, server+"/user-service/me", kipuAuth, `{"about":`)
			if err != nil {
				return err
			}
			if status != http.StatusBadRequest {
				return Behaviourf("a malformed body answered %d %s", status, body)
			}
			return nil
		}},
		{Name: "updateCurrentUser: the change reads back, then the profile is restored", Write: true, Run: func(ctx context.Context) error {
			before, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return err
			}
			restore := kipu.UpdateUserRequest{About: before.About, CurrentPosition: before.CurrentPosition, Homepage: before.Homepage}
			cl.Add("restore profile", func(ctx context.Context) error { _, _, err := k.UpdateCurrentUser(ctx, restore); return err })
			about := cfg.Prefix + "about"
			if _, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: &about, CurrentPosition: before.CurrentPosition, Homepage: before.Homepage}); err != nil {
				return err
			}
			after, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return err
			}
			if deref(after.About) != about {
				return Behaviourf("about reads back %q", deref(after.About))
			}
			if _, _, err := k.UpdateCurrentUser(ctx, restore); err != nil {
				return err
			}
			cl.Forget("restore profile")
			return nil
		}},
		{Name: "updateCurrentUserProfileImage + deleteCurrentUserProfileImage: the image reads back, then is restored", Write: true, Run: func(ctx context.Context) error {
			me, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return err
			}
			old, _, err := k.GetUserProfileImage(ctx, me.ID)
			if err != nil {
				return err
			}
			restore := func(ctx context.Context) error {
				if old == nil {
					_, err := k.DeleteCurrentUserProfileImage(ctx)
					return err
				}
				mt, data, err := client.ParseDataURI(*old)
				if err != nil {
					return err
				}
				_, err = k.UpdateCurrentUserProfileImage(ctx, "restored"+extension(mt), bytes.NewReader(data))
				return err
			}
			cl.Add("restore profile image", restore)
			if _, err := k.UpdateCurrentUserProfileImage(ctx, cfg.Prefix+"image.png", bytes.NewReader(onePixelPNG)); err != nil {
				return err
			}
			img, _, err := k.GetUserProfileImage(ctx, me.ID)
			if err != nil {
				return err
			}
			if img == nil {
				return Behaviourf("no profile image after an upload")
			}
			if _, err := k.DeleteCurrentUserProfileImage(ctx); err != nil {
				return err
			}
			if img, _, err = k.GetUserProfileImage(ctx, me.ID); err != nil {
				return err
			} else if img != nil {
				return Behaviourf("a profile image after deleteCurrentUserProfileImage")
			}
			if err := restore(ctx); err != nil {
				return err
			}
			cl.Forget("restore profile image")
			return nil
		}},
		{Name: "regenerateDefaultPersonalAccessToken and deleteCurrentUser: refused without a credential (401; the run never replaces the default token or deletes the account)", Refused: true, Run: func(ctx context.Context) error {
			_, _, err := k.RegenerateDefaultPersonalAccessToken(ctx, client.WithoutAuth())
			if err := wantStatus(err, http.StatusUnauthorized); err != nil {
				return err
			}
			_, err = k.DeleteCurrentUser(ctx, client.WithoutAuth())
			if err := wantStatus(err, http.StatusUnauthorized); err != nil {
				return err
			}
			return Reached("both refused without a credential (401); the run never replaces the default token or deletes the account")
		}},
	}
	return steps, cl, nil
}

func harborSteps(cfg Config, common []client.ClientOption, hc *http.Client, cl *Cleanups) ([]Step, *Cleanups, error) {
	if cfg.Username == "" {
		return nil, nil, errors.New("harbor needs -username and -password")
	}
	h, err := client.NewHarbor(append(common, client.WithBasicAuth(cfg.Username, cfg.Password))...)
	if err != nil {
		return nil, nil, err
	}
	var me *harbor.UserResp
	admin := func() error {
		if me == nil {
			return errors.New("needs getCurrentUserInfo")
		}
		if !me.SysadminFlag {
			return Skip("needs a system admin")
		}
		return nil
	}
	server := baseOf(cfg.URL, "/api/v2.0", "/api")
	steps := []Step{
		{Name: "getCurrentUserInfo", Run: func(ctx context.Context) error {
			u, _, err := h.GetCurrentUserInfo(ctx)
			me = u
			return err
		}},
		{Name: "getCurrentUserPermissions: none without a scope; /system and /project/1 (relative)", Run: func(ctx context.Context) error {
			none, _, err := h.GetCurrentUserPermissions(ctx, nil)
			if err != nil {
				return err
			}
			if len(none) != 0 {
				return Behaviourf("without a scope: %d permissions, want none", len(none))
			}
			if _, _, err := h.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/system")}); err != nil {
				return err
			}
			_, _, err = h.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/project/1"), Relative: client.Ptr(true)})
			return err
		}},
		{Name: "getUser: the current user reads back", Run: func(ctx context.Context) error {
			if me == nil {
				return errors.New("needs getCurrentUserInfo")
			}
			u, _, err := h.GetUser(ctx, me.UserID)
			if err != nil {
				return err
			}
			if u.Username != me.Username {
				return Behaviourf("getUser(%d) is %q, the current user is %q", me.UserID, u.Username, me.Username)
			}
			return nil
		}},
		{Name: "listUsers (paging): each user once", Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			return eachOnce(cfg.MaxPages*cfg.PageSize, func(yield func(string, error) bool) {
				for u, err := range h.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: client.Ptr(int64(cfg.PageSize))}) {
					if !yield(u.Username, err) {
						return
					}
				}
			})
		}},
		{Name: "error: a wrong password is 401", Run: func(ctx context.Context) error {
			_, _, err := h.GetCurrentUserInfo(ctx, client.WithBasicAuth(cfg.Username, "not-the-password-1A"))
			return wantStatus(err, http.StatusUnauthorized)
		}},
		{Name: "error: an unknown user is 404", Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			_, _, err := h.GetUser(ctx, 987654321)
			return wantStatus(err, http.StatusNotFound)
		}},
		{Name: "error: a malformed q is 400", Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			_, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr(harbor.Query("username=~"))})
			return wantStatus(err, http.StatusBadRequest)
		}},
		{Name: "error: page_size over 100 is 422", Refused: true, Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			// The facade refuses it before sending: the raw request.
			status, body, err := rawJSON(ctx, hc, http.MethodGet, server+"/api/v2.0/users?page_size=101", "Authorization: Basic "+basic(cfg.Username, cfg.Password), "")
			if err != nil {
				return err
			}
			if status != http.StatusUnprocessableEntity {
				return Behaviourf("page_size=101 answered %d %s", status, body)
			}
			return nil
		}},
		{Name: "setCliSecret: 412 under db_auth, 404 for a user without OIDC metadata (the path a run can reach)", Write: true, Run: func(ctx context.Context) error {
			if me == nil {
				return errors.New("needs getCurrentUserInfo")
			}
			_, err := h.SetCliSecret(ctx, me.UserID, "Conform-Cli-1a")
			var ae *client.APIError
			if errors.As(err, &ae) && (ae.StatusCode == http.StatusPreconditionFailed || ae.StatusCode == http.StatusNotFound) {
				return Reached("a CLI secret needs oidc_auth and an OIDC user: answered %d %s", ae.StatusCode, ae.Message)
			}
			if err == nil {
				return Behaviourf("setCliSecret changed the CLI secret of %s, which this run cannot undo", me.Username)
			}
			return err
		}},
	}
	steps = append(steps, harborUserSteps(cfg, common, h, hc, admin, cl)...)
	return steps, cl, nil
}

// harborUserSteps create users of the run's own (as a system admin) and
// take them through every write operation, the errors around them and
// the behaviours that surprise users.
func harborUserSteps(cfg Config, common []client.ClientOption, h *client.Harbor, hc *http.Client, admin func() error, cl *Cleanups) []Step {
	name := cfg.Prefix + "user"
	second := cfg.Prefix + "user2"
	password, newPassword := "Conform-Passw0rd-1", "Conform-Passw0rd-2"
	var id, id2 int64
	create := func(ctx context.Context, user string) (int64, error) {
		id, _, err := h.CreateUser(ctx, harbor.UserCreationReq{Username: user, Email: user + "@example.com", Realname: user, Password: password})
		if err == nil {
			cl.Add("deleteUser "+user, func(ctx context.Context) error { _, err := h.DeleteUser(ctx, id); return err })
		}
		return id, err
	}
	server := baseOf(cfg.URL, "/api/v2.0", "/api")
	return []Step{
		{Name: "createUser + getUser: the user reads back", Write: true, Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			var err error
			if id, err = create(ctx, name); err != nil {
				return err
			}
			u, _, err := h.GetUser(ctx, id)
			if err != nil {
				return err
			}
			if u.Username != name || deref(u.Email) != name+"@example.com" {
				return Behaviourf("created %s, read back %s <%v>", name, u.Username, deref(u.Email))
			}
			return nil
		}},
		{Name: "error: createUser with a taken name is 409, and uses up an id", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			_, _, err := h.CreateUser(ctx, harbor.UserCreationReq{Username: name, Email: name + "@example.com", Realname: name, Password: password})
			if err := wantStatus(err, http.StatusConflict); err != nil {
				return err
			}
			if id2, err = create(ctx, second); err != nil {
				return err
			}
			if id2 != id+2 {
				return Behaviourf("after user %d and a refused duplicate, the next user is %d (v2.15.2: %d, the 409 used up an id)", id, id2, id+2)
			}
			return nil
		}},
		{Name: "createUser with \"comment\": null is 201 (null is the zero value)", Write: true, Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			user := cfg.Prefix + "user3"
			auth := "Authorization: Basic " + basic(cfg.Username, cfg.Password)
			status, body, err := rawJSON(ctx, hc, http.MethodPost, server+"/api/v2.0/users", auth,
				fmt.Sprintf(`{"username":%q,"email":%q,"realname":%q,"password":%q,"comment":null}`, user, user+"@example.com", user, password))
			if err != nil {
				return err
			}
			if status != http.StatusCreated {
				return Behaviourf("createUser with \"comment\": null answered %d %s", status, body)
			}
			found, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr(harbor.Query("username=" + user))})
			if err != nil {
				return err
			}
			for _, u := range found {
				cl.Add("deleteUser "+user, func(ctx context.Context) error { _, err := h.DeleteUser(ctx, u.UserID); return err })
			}
			return nil
		}},
		{Name: "error: createUser with a weak password is 400", Write: true, Run: func(ctx context.Context) error {
			if err := admin(); err != nil {
				return err
			}
			_, _, err := h.CreateUser(ctx, harbor.UserCreationReq{Username: cfg.Prefix + "weak", Email: cfg.Prefix + "weak@example.com", Realname: "weak", Password: "weak"})
			return wantStatus(err, http.StatusBadRequest)
		}},
		{Name: "searchUsers: finds the run's users, and ignores page (v2.15.2)", Write: true, Run: func(ctx context.Context) error {
			if id2 == 0 {
				return Skip("needs the two users the steps before made")
			}
			one, _, err := h.SearchUsers(ctx, name, &harbor.SearchUsersParams{PageSize: client.Ptr(int64(1)), Page: client.Ptr(int64(1))})
			if err != nil {
				return err
			}
			// The facade refuses page > 1 for a search (it does not page):
			// the raw request shows what the server does with it.
			status, body, err := rawJSON(ctx, hc, http.MethodGet, server+"/api/v2.0/users/search?page=2&page_size=1&username="+url.QueryEscape(name), "Authorization: Basic "+basic(cfg.Username, cfg.Password), "")
			if err != nil {
				return err
			}
			var two []harbor.UserSearchRespItem
			if status != http.StatusOK || json.Unmarshal([]byte(body), &two) != nil {
				return Behaviourf("search page 2 answered %d %s", status, body)
			}
			if len(one) != 1 || len(two) != 1 {
				return Behaviourf("search %q, one per page: page 1 %d item(s), page 2 %d", name, len(one), len(two))
			}
			if one[0].UserID != two[0].UserID {
				return Behaviourf("searchUsers now honours page (page 2 gave user %d, page 1 user %d): Harbor v2.15.2 returned the first match again", two[0].UserID, one[0].UserID)
			}
			return nil
		}},
		{Name: "updateUserProfile: the change reads back", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			if _, err := h.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: name + "@example.com", Realname: name + " changed"}); err != nil {
				return err
			}
			u, _, err := h.GetUser(ctx, id)
			if err != nil {
				return err
			}
			if deref(u.Realname) != name+" changed" {
				return Behaviourf("realname reads back %q", deref(u.Realname))
			}
			return nil
		}},
		{Name: "setUserSysAdmin: the grant shows in getUser, and is taken back", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			if _, err := h.SetUserSysAdmin(ctx, id, true); err != nil {
				return err
			}
			u, _, err := h.GetUser(ctx, id)
			if err != nil {
				return err
			}
			if !u.SysadminFlag {
				return Behaviourf("after setUserSysAdmin(true) getUser says sysadmin_flag false")
			}
			if _, err := h.SetUserSysAdmin(ctx, id, false); err != nil {
				return err
			}
			u, _, err = h.GetUser(ctx, id)
			if err != nil {
				return err
			}
			if u.SysadminFlag {
				return Behaviourf("after setUserSysAdmin(false) getUser says sysadmin_flag true")
			}
			return nil
		}},
		{Name: "updateUserPassword (as admin): the new password works, the old one not", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			if _, err := h.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: newPassword}); err != nil {
				return err
			}
			if _, _, err := h.GetCurrentUserInfo(ctx, client.WithBasicAuth(name, newPassword)); err != nil {
				return Behaviourf("the new password does not authenticate: %v", err)
			}
			_, _, err := h.GetCurrentUserInfo(ctx, client.WithBasicAuth(name, password))
			return wantStatus(err, http.StatusUnauthorized)
		}},
		{Name: "error: updateUserPassword to the same password is 400, a wrong old password 403", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			_, err := h.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: newPassword})
			if err := wantStatus(err, http.StatusBadRequest); err != nil {
				return err
			}
			_, err = h.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr("Not-the-0ld-one"), NewPassword: "Conform-Passw0rd-3"}, client.WithBasicAuth(name, newPassword))
			return wantStatus(err, http.StatusForbidden)
		}},
		{Name: "error: a user who is no admin is refused listUsers and setUserSysAdmin with 403", Write: true, Run: func(ctx context.Context) error {
			if id == 0 {
				return Skip("needs the user createUser made")
			}
			as := client.WithBasicAuth(name, newPassword)
			_, _, err := h.ListUsers(ctx, nil, as)
			if err := wantStatus(err, http.StatusForbidden); err != nil {
				return err
			}
			_, err = h.SetUserSysAdmin(ctx, id, true, as)
			return wantStatus(err, http.StatusForbidden)
		}},
		{Name: "deleteUser: the user is gone (getUser 404)", Write: true, Run: func(ctx context.Context) error {
			for _, x := range []struct {
				id   int64
				name string
			}{{id2, second}, {id, name}} {
				if x.id == 0 {
					continue
				}
				if _, err := h.DeleteUser(ctx, x.id); err != nil {
					return err
				}
				cl.Forget("deleteUser " + x.name)
				_, _, err := h.GetUser(ctx, x.id)
				if err := wantStatus(err, http.StatusNotFound); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func homeboxSteps(cfg Config, common []client.ClientOption, hc *http.Client, cl *Cleanups) ([]Step, *Cleanups, error) {
	opts := common
	switch {
	case cfg.Email != "":
	case cfg.BearerToken != "":
		opts = append(opts, client.WithBearerToken(cfg.BearerToken))
	case cfg.APIKey != "":
		opts = append(opts, client.WithAPIKey(cfg.APIKey))
	default:
		return nil, nil, errors.New("homebox needs -email and -password, -bearer-token or -api-key")
	}
	hb, err := client.NewHomebox(opts...)
	if err != nil {
		return nil, nil, err
	}
	var steps []Step
	if cfg.Email != "" {
		// A login opens a session on the server even in a read-only run
		// (the last step closes it): Homebox has no other way to read
		// with a password.
		steps = append(steps, Step{Name: "userLogin (opens a session, closed at the end)", Run: func(ctx context.Context) error {
			_, _, err := hb.UserLogin(ctx, cfg.Email, cfg.Password, false)
			return err
		}})
	}
	steps = append(steps,
		Step{Name: "getUserSelf", Run: func(ctx context.Context) error {
			_, _, err := hb.GetUserSelf(ctx)
			return err
		}},
		Step{Name: "getUserSettings", Run: func(ctx context.Context) error {
			_, _, err := hb.GetUserSettings(ctx)
			return err
		}},
		Step{Name: "listApiKeys", Run: func(ctx context.Context) error {
			_, _, err := hb.ListAPIKeys(ctx)
			return err
		}},
		Step{Name: "error: no credential is 401", Refused: true, Run: func(ctx context.Context) error {
			_, _, err := hb.GetUserSelf(ctx, client.WithoutAuth())
			return wantStatus(err, http.StatusUnauthorized)
		}},
		Step{Name: "error: a wrong token is 401", Run: func(ctx context.Context) error {
			_, _, err := hb.GetUserSelf(ctx, client.WithBearerToken("NOTAVALIDTOKEN2222222222AA"))
			return wantStatus(err, http.StatusUnauthorized)
		}},
		Step{Name: "oidcLogin + oidcCallback: a redirect, or 404 where OIDC is off (reported)", Run: func(ctx context.Context) error {
			_, _, lerr := hb.OIDCLogin(ctx)
			_, _, cerr := hb.OIDCCallback(ctx, "conform-code", "conform-state")
			if errors.Is(lerr, client.ErrNotFound) && errors.Is(cerr, client.ErrNotFound) {
				return Reached("OIDC is off on this server: login and callback answered 404")
			}
			if lerr != nil {
				return lerr
			}
			// On: a callback with a code the provider never issued is sent
			// back to the app with an error, never logged in.
			u, _, err := hb.OIDCCallback(ctx, "conform-code", "conform-state")
			if err != nil {
				return err
			}
			if !strings.Contains(u.RawQuery, "oidc_error") {
				return Behaviourf("a made-up OIDC code was not refused: redirected to %s", u)
			}
			return nil
		}},
		Step{Name: "forgotPassword: 204 for an unknown address (no enumeration)", Write: true, Run: func(ctx context.Context) error {
			_, err := hb.ForgotPassword(ctx, cfg.Prefix+"nobody@example.invalid")
			return err
		}},
		Step{Name: "resetPassword: a made-up token is refused with 400 (the e-mailed token cannot be had)", Write: true, Run: func(ctx context.Context) error {
			_, err := hb.ResetPassword(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAA", "conform-Passw0rd")
			if err := wantStatus(err, http.StatusBadRequest); err != nil {
				return err
			}
			return Reached("the real token is e-mailed: a made-up one was refused with 400")
		}},
	)
	steps = append(steps, homeboxAccountSteps(cfg, common, hc, cl)...)
	if cfg.Email != "" {
		steps = append(steps, Step{Name: "userLogout (the session this run opened)", Run: func(ctx context.Context) error {
			_, err := hb.UserLogout(ctx)
			return err
		}})
	}
	return steps, cl, nil
}

// homeboxAccountSteps run every write operation on an account of the
// run's own (registered, used, deleted), never on the one given.
func homeboxAccountSteps(cfg Config, common []client.ClientOption, hc *http.Client, cl *Cleanups) []Step {
	email := cfg.Prefix + "user@example.com"
	password, second := "conform-Passw0rd-1", "conform-Passw0rd-2"
	current := password
	session := func() (*client.Homebox, error) { return client.NewHomebox(common...) }
	a, _ := session() // the run's main session
	var key *homebox.APIKeyCreatedOut
	server := baseOf(cfg.URL, "/api/v1", "/api")
	return []Step{
		{Name: "registerNewUser with \"token\": null is 204 (null is the zero value)", Write: true, Run: func(ctx context.Context) error {
			status, body, err := rawJSON(ctx, hc, http.MethodPost, server+"/api/v1/users/register", "",
				fmt.Sprintf(`{"name":%q,"email":%q,"password":%q,"token":null}`, cfg.Prefix+"user", email, password))
			if err != nil {
				return err
			}
			if status != http.StatusNoContent {
				return Behaviourf("register with \"token\": null answered %d %s", status, body)
			}
			cl.Add("deleteAccount "+email, func(ctx context.Context) error {
				c, err := session()
				if err != nil {
					return err
				}
				if _, _, err := c.UserLogin(ctx, email, current, false); err != nil {
					return err
				}
				_, err = c.DeleteAccount(ctx)
				return err
			})
			return nil
		}},
		{Name: "error: registerNewUser with the same e-mail is refused", Write: true, Run: func(ctx context.Context) error {
			_, err := a.RegisterNewUser(ctx, homebox.UserRegistration{Name: "again", Email: strings.ToUpper(email), Password: password})
			var ae *client.APIError
			if !errors.As(err, &ae) {
				return Behaviourf("a second account with the same e-mail (other case) was accepted (err %v)", err)
			}
			return nil
		}},
		{Name: "error: registerNewUser with a malformed body is refused", Write: true, Refused: true, Run: func(ctx context.Context) error {
			status, body, err := rawJSON(ctx, hc, http.MethodPost, server+"/api/v1/users/register", "", `{"name":`)
			if err != nil {
				return err
			}
			if status < 400 {
				return Behaviourf("a malformed body was accepted: %d %s", status, body)
			}
			return nil
		}},
		{Name: "error: userLogin with a wrong password is 401", Write: true, Run: func(ctx context.Context) error {
			_, _, err := a.UserLogin(ctx, email, "not-the-password", false)
			return wantStatus(err, http.StatusUnauthorized)
		}},
		{Name: "userLogin + updateAccount + getUserSelf: the change reads back", Write: true, Run: func(ctx context.Context) error {
			if _, _, err := a.UserLogin(ctx, email, current, false); err != nil {
				return err
			}
			name := cfg.Prefix + "renamed"
			u, _, err := a.UpdateAccount(ctx, homebox.UserUpdate{Name: name, Email: email})
			if err != nil {
				return err
			}
			me, _, err := a.GetUserSelf(ctx)
			if err != nil {
				return err
			}
			if u.Name != name || me.Name != name {
				return Behaviourf("renamed to %q, answered %q, read back %q", name, u.Name, me.Name)
			}
			return nil
		}},
		{Name: "updateUserSettings + getUserSettings: the object is replaced whole", Write: true, Run: func(ctx context.Context) error {
			if _, _, err := a.UpdateUserSettings(ctx, homebox.UserSettings{"a": "1", "b": "2"}); err != nil {
				return err
			}
			if _, _, err := a.UpdateUserSettings(ctx, homebox.UserSettings{"b": "3"}); err != nil {
				return err
			}
			got, _, err := a.GetUserSettings(ctx)
			if err != nil {
				return err
			}
			if _, merged := got["a"]; merged || fmt.Sprint(got["b"]) != "3" {
				return Behaviourf("settings after replacing {a,b} with {b:3}: %v", got)
			}
			return nil
		}},
		{Name: "userTokenRefresh: the old token stops working, the new one works", Write: true, Run: func(ctx context.Context) error {
			old := a.Token()
			if _, _, err := a.UserTokenRefresh(ctx); err != nil {
				return err
			}
			if _, _, err := a.GetUserSelf(ctx); err != nil {
				return Behaviourf("the refreshed token does not work: %v", err)
			}
			_, _, err := a.GetUserSelf(ctx, client.WithBearerToken(old))
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("the token used to refresh still works after the refresh (err %v)", err)
			}
			return nil
		}},
		{Name: "changePassword: the other sessions end, this one stays", Write: true, Run: func(ctx context.Context) error {
			b, _ := session()
			if _, _, err := b.UserLogin(ctx, email, current, false); err != nil {
				return err
			}
			if _, err := a.ChangePassword(ctx, current, second); err != nil {
				return err
			}
			current = second
			if _, _, err := a.GetUserSelf(ctx); err != nil {
				return Behaviourf("the session that changed the password ended: %v", err)
			}
			_, _, err := b.GetUserSelf(ctx)
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("another session still works after a password change (err %v)", err)
			}
			return nil
		}},
		{Name: "error: changePassword with a wrong current password is refused", Write: true, Run: func(ctx context.Context) error {
			_, err := a.ChangePassword(ctx, "not-the-password", "conform-Passw0rd-3")
			var ae *client.APIError
			if !errors.As(err, &ae) {
				return Behaviourf("a wrong current password was accepted (err %v)", err)
			}
			return nil
		}},
		{Name: "createApiKey without expiresAt: listed, works, expires in 30 days on builds after v0.26.2", Write: true, Run: func(ctx context.Context) error {
			start := time.Now()
			k, _, err := a.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: cfg.Prefix + "key"})
			if err != nil {
				return err
			}
			key = k
			list, _, err := a.ListAPIKeys(ctx)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(list, func(x homebox.APIKeyOut) bool { return x.ID == k.ID }) {
				return Behaviourf("created key %s is not listed", k.ID)
			}
			if _, _, err := a.GetUserSelf(ctx, client.WithAPIKey(k.Token)); err != nil {
				return Behaviourf("the new key does not authenticate: %v", err)
			}
			// v0.26.2 stores no expiry; later builds 30 days. Anything
			// else is a change to report.
			if k.ExpiresAt != nil {
				if d := k.ExpiresAt.Sub(start); d < 30*24*time.Hour-time.Hour || d > 30*24*time.Hour+time.Hour {
					return Behaviourf("a key created without expiresAt expires in %s, not 30 days", d.Round(time.Minute))
				}
			}
			return nil
		}},
		{Name: "error: userTokenRefresh and userLogout with an API key are 400", Write: true, Run: func(ctx context.Context) error {
			if key == nil {
				return Skip("needs the key createApiKey made")
			}
			_, _, err := a.UserTokenRefresh(ctx, client.WithAPIKey(key.Token))
			if err := wantStatus(err, http.StatusBadRequest); err != nil {
				return err
			}
			status, body, err := rawJSON(ctx, hc, http.MethodPost, server+"/api/v1/users/logout", bearerOf(key.Token), "")
			if err != nil {
				return err
			}
			if status != http.StatusBadRequest {
				return Behaviourf("logout with an API key answered %d %s", status, body)
			}
			return nil
		}},
		{Name: "error: createApiKey with an empty name is 422", Write: true, Refused: true, Run: func(ctx context.Context) error {
			_, _, err := a.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: ""})
			return wantStatus(err, http.StatusUnprocessableEntity)
		}},
		{Name: "deleteApiKey: the key stops working", Write: true, Run: func(ctx context.Context) error {
			if key == nil {
				return Skip("needs the key createApiKey made")
			}
			if _, err := a.DeleteAPIKey(ctx, key.ID); err != nil {
				return err
			}
			_, _, err := a.GetUserSelf(ctx, client.WithAPIKey(key.Token))
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("a deleted key still authenticates (err %v)", err)
			}
			return nil
		}},
		{Name: "userLogoutAll: every session ends (404 on v0.26.2, reported)", Write: true, Run: func(ctx context.Context) error {
			b, _ := session()
			if _, _, err := b.UserLogin(ctx, email, current, false); err != nil {
				return err
			}
			_, err := a.UserLogoutAll(ctx)
			if errors.Is(err, client.ErrNotFound) {
				return Reached("this server has no logout-all (v0.26.2): 404")
			}
			if err != nil {
				return err
			}
			_, _, err = b.GetUserSelf(ctx)
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("another session still works after logout-all (err %v)", err)
			}
			return nil
		}},
		{Name: "deleteAccount: the account is gone, its e-mail can log in no more", Write: true, Run: func(ctx context.Context) error {
			if _, _, err := a.UserLogin(ctx, email, current, false); err != nil {
				return err
			}
			if _, err := a.DeleteAccount(ctx); err != nil {
				return err
			}
			cl.Forget("deleteAccount " + email)
			_, _, err := a.UserLogin(ctx, email, current, false)
			if !errors.Is(err, client.ErrUnauthorized) {
				return Behaviourf("a deleted account still logs in (err %v)", err)
			}
			return nil
		}},
	}
}

// wantStatus is nil when err is an *APIError of status, a Behaviour
// saying what came instead otherwise.
func wantStatus(err error, status int) error {
	var ae *client.APIError
	if errors.As(err, &ae) && ae.StatusCode == status {
		return nil
	}
	if ae != nil {
		return Behaviourf("want %d, the server answered %d %s", status, ae.StatusCode, ae.Message)
	}
	return Behaviourf("want %d, got %v", status, err)
}

// bearerOf is the Authorization header line of a Homebox token or key.
func bearerOf(tok string) string {
	if strings.HasPrefix(tok, "Bearer ") {
		return "Authorization: " + tok
	}
	return "Authorization: Bearer " + tok
}

// rawJSON sends a request the facade cannot express (a JSON null, a
// malformed body) through the run's client, so that it is validated and
// recorded like the others; it returns the status and the body. auth is
// the credential header as "Name: value" ("" for none).
func rawJSON(ctx context.Context, hc *http.Client, method, url, auth, body string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if name, value, ok := strings.Cut(auth, ": "); ok {
		req.Header.Set(name, value)
	}
	req.Header.Set("User-Agent", "userapis-conform/"+client.Version)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

func vectaraSteps(cfg Config, common []client.ClientOption, hc *http.Client, cl *Cleanups) ([]Step, *Cleanups, error) {
	opts := common
	switch {
	case cfg.APIKey != "":
		opts = append(opts, client.WithAPIKey(cfg.APIKey))
	case cfg.ClientID != "":
		opts = append(opts, client.WithClientCredentials(cfg.ClientID, cfg.ClientSecret, cfg.TokenURL))
	default:
		return nil, nil, errors.New("vectara needs -api-key, or -client-id and -client-secret")
	}
	v, err := client.NewVectara(opts...)
	if err != nil {
		return nil, nil, err
	}
	var first string
	made := false
	name := cfg.Prefix + "user"
	steps := []Step{
		{Name: "listUsers (paging): each user once", Run: func(ctx context.Context) error {
			return eachOnce(cfg.MaxPages*cfg.PageSize, func(yield func(string, error) bool) {
				for u, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: client.Ptr(int32(cfg.PageSize))}) {
					if first == "" && err == nil {
						first = deref(u.Username)
					}
					if !yield(deref(u.Username), err) {
						return
					}
				}
			})
		}},
		{Name: "getUser: a listed user reads back", Run: func(ctx context.Context) error {
			if first == "" {
				return Skip("no user listed to read back")
			}
			u, _, err := v.GetUser(ctx, first)
			if err != nil {
				return err
			}
			if deref(u.Username) != first {
				return Behaviourf("getUser(%q) returned %q", first, deref(u.Username))
			}
			return nil
		}},
		{Name: "createUser + getUser: the user reads back", Write: true, Run: func(ctx context.Context) error {
			email := name + "@example.com"
			_, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: email, Username: client.Ptr(name), Description: client.Ptr("userapis conform")})
			if err != nil {
				return err
			}
			made = true
			cl.Add("deleteUser "+name, func(ctx context.Context) error { _, err := v.DeleteUser(ctx, name); return err })
			u, _, err := v.GetUser(ctx, name)
			if err != nil {
				return err
			}
			if deref(u.Username) != name || deref(u.Email) != email {
				return Behaviourf("created %s <%s>, read back %s <%s>", name, email, deref(u.Username), deref(u.Email))
			}
			return nil
		}},
		{Name: "updateUser: the change reads back", Write: true, Run: func(ctx context.Context) error {
			if !made {
				return Skip("needs the user createUser made")
			}
			u, _, err := v.UpdateUser(ctx, name, vectara.UpdateUserRequest{Description: client.Ptr("changed by userapis conform")})
			if err != nil {
				return err
			}
			if deref(u.Description) != "changed by userapis conform" {
				return Behaviourf("description reads back %q", deref(u.Description))
			}
			return nil
		}},
		{Name: "resetUserPassword: a one-time code or link for the user", Write: true, Run: func(ctx context.Context) error {
			if !made {
				return Skip("needs the user createUser made")
			}
			r, _, err := v.ResetUserPassword(ctx, name)
			if err != nil {
				return err
			}
			if deref(r.OneTimeCode) == "" && deref(r.OneTimeCodeLink) == "" {
				return Behaviourf("a password reset gave neither a one-time code nor a link")
			}
			return nil
		}},
		{Name: "error: createUser with a taken username is refused", Write: true, Run: func(ctx context.Context) error {
			if !made {
				return Skip("needs the user createUser made")
			}
			_, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: name + "@example.com", Username: client.Ptr(name)})
			var ae *client.APIError
			if !errors.As(err, &ae) {
				return Behaviourf("a second user %q was created (err %v)", name, err)
			}
			return nil
		}},
		{Name: "error: createUser with a malformed body is 400", Write: true, Refused: true, Run: func(ctx context.Context) error {
			auth := "X-Api-Key: " + cfg.APIKey
			if cfg.APIKey == "" {
				return Skip("the raw request needs -api-key")
			}
			status, body, err := rawJSON(ctx, hc, http.MethodPost, baseOf(cfg.URL, "/v2")+"/v2/users", auth, `{"email":`)
			if err != nil {
				return err
			}
			if status != http.StatusBadRequest {
				return Behaviourf("a malformed body answered %d %s", status, body)
			}
			return nil
		}},
		{Name: "deleteUser: the user is gone (getUser 404)", Write: true, Run: func(ctx context.Context) error {
			if !made {
				return Skip("needs the user createUser made")
			}
			if _, err := v.DeleteUser(ctx, name); err != nil {
				return err
			}
			cl.Forget("deleteUser " + name)
			_, _, err := v.GetUser(ctx, name)
			return wantStatus(err, http.StatusNotFound)
		}},
		{Name: "error: a wrong API key is 401, none at all 401", Refused: true, Run: func(ctx context.Context) error {
			_, _, err := v.GetUser(ctx, "nobody", client.WithAPIKey("zut_not_a_key_0000000000"))
			if err := wantStatus(err, http.StatusUnauthorized); err != nil {
				return err
			}
			_, _, err = v.GetUser(ctx, "nobody", client.WithoutAuth())
			return wantStatus(err, http.StatusUnauthorized)
		}},
		{Name: "error: an unknown user is 404", Run: func(ctx context.Context) error {
			_, _, err := v.GetUser(ctx, cfg.Prefix+"nobody")
			return wantStatus(err, http.StatusNotFound)
		}},
	}
	return steps, cl, nil
}

// eachOnce ranges seq (name, error) up to limit items and reports a name
// seen twice: a pager that repeats items.
func eachOnce(limit int, seq func(yield func(string, error) bool)) error {
	seen := map[string]bool{}
	var err error
	n := 0
	seq(func(name string, e error) bool {
		if e != nil {
			err = e
			return false
		}
		if seen[name] {
			err = Behaviourf("paging returned %q twice", name)
			return false
		}
		seen[name] = true
		n++
		return n < limit
	})
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// onePixelPNG is the smallest PNG image: one transparent pixel.
var onePixelPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
	0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
	0x42, 0x60, 0x82,
}

// extension is a file name ending for an image media type.
func extension(mediaType string) string {
	if _, sub, ok := strings.Cut(mediaType, "/"); ok && sub != "" {
		return "." + sub
	}
	return ""
}

// baseOf is the server's address without the API path a base URL may
// end in (the facade's base-URL rule), for the raw requests.
func baseOf(base string, apiPaths ...string) string {
	base = strings.TrimRight(base, "/")
	for _, p := range apiPaths {
		if b, ok := strings.CutSuffix(base, p); ok {
			return b
		}
	}
	return base
}
