package homeboxfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/homebox/homeboxserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// The strict-server methods: each reads the principal the auth middleware
// put in the context, calls the store and maps its errors to the real
// server's statuses and messages.

// cookie is one of the session cookies as the real server sets them: path
// /, SameSite=Lax; the token and remember cookies HttpOnly, the session
// flag and the attachment token readable by the web app.
func cookie(name, value, domain string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Expires: expires, Domain: domain, Path: "/",
		HttpOnly: name == cookieToken || name == cookieRemember,
		SameSite: http.SameSiteLaxMode,
	}
}

// cookies are the cookies login, refresh and the OIDC callback set.
func cookies(domain string, t tokens, remember bool) []*http.Cookie {
	return []*http.Cookie{
		cookie(cookieRemember, strconv.FormatBool(remember), domain, t.expiresAt),
		cookie(cookieToken, t.raw, domain, t.expiresAt),
		cookie(cookieSession, "true", domain, t.expiresAt),
		cookie(cookieAttachment, t.attachment, domain, t.expiresAt),
	}
}

// clearCookies are the expired cookies logout sets.
func clearCookies(domain string) []*http.Cookie {
	gone := time.Unix(0, 0)
	return []*http.Cookie{
		cookie(cookieToken, "", domain, gone),
		cookie(cookieRemember, "false", domain, gone),
		cookie(cookieSession, "false", domain, gone),
		cookie(cookieAttachment, "", domain, gone),
	}
}

func setCookies(w http.ResponseWriter, cs []*http.Cookie) {
	for _, c := range cs {
		http.SetCookie(w, c)
	}
}

type loginOK struct {
	body    homebox.TokenResponse
	cookies []*http.Cookie
}

func (r loginOK) VisitUserLoginResponse(w http.ResponseWriter) error {
	setCookies(w, r.cookies)
	// The keys in the order of the server's struct, not the generated
	// type's (alphabetical).
	writeJSON(w, http.StatusOK, struct {
		Token           string    `json:"token"`
		ExpiresAt       time.Time `json:"expiresAt"`
		AttachmentToken string    `json:"attachmentToken"`
	}{r.body.Token, r.body.ExpiresAt, r.body.AttachmentToken})
	return nil
}

type refreshOK struct {
	body    homebox.TokenRefreshResponse
	cookies []*http.Cookie
}

func (r refreshOK) VisitUserTokenRefreshResponse(w http.ResponseWriter) error {
	setCookies(w, r.cookies)
	// services.UserAuthTokenDetail's order.
	writeJSON(w, http.StatusOK, struct {
		Raw             string    `json:"raw"`
		AttachmentToken string    `json:"attachmentToken"`
		ExpiresAt       time.Time `json:"expiresAt"`
	}{r.body.Raw, r.body.AttachmentToken, r.body.ExpiresAt})
	return nil
}

type logoutOK struct{ cookies []*http.Cookie }

func (r logoutOK) VisitUserLogoutResponse(w http.ResponseWriter) error {
	setCookies(w, r.cookies)
	return homeboxserver.UserLogout204Response{}.VisitUserLogoutResponse(w)
}

type oidcRedirect struct {
	location string
	cookies  []*http.Cookie
}

func (r oidcRedirect) VisitOIDCCallbackResponse(w http.ResponseWriter) error {
	setCookies(w, r.cookies)
	return homeboxserver.OIDCCallback302Response{Headers: homeboxserver.OIDCCallback302ResponseHeaders{Location: r.location}}.VisitOIDCCallbackResponse(w)
}

// UserLogin implements POST /v1/users/login.
func (f *Fake) UserLogin(ctx context.Context, req homeboxserver.UserLoginRequestObject) (homeboxserver.UserLoginResponseObject, error) {
	cfg, info := f.Config(), infoOf(ctx)
	if !cfg.LocalLoginEnabled {
		return nil, &fakekit.Error{Status: http.StatusForbidden, Message: msgLocalDisabled}
	}
	if p := req.Params.Provider; p != nil && *p != "" && *p != "local" {
		return nil, &fakekit.Error{Status: http.StatusBadRequest, Message: "invalid auth provider"}
	}
	unauthorized := &fakekit.Error{Status: http.StatusUnauthorized, Message: msgUnauthorized}
	// The real server accepts exactly these two Content-Type values.
	form := req.JSONBody
	switch info.contentType {
	case ctJSON:
	case ctForm:
		form = req.FormdataBody
	default:
		return nil, unauthorized
	}
	if form == nil || form.Username == "" || form.Password == "" {
		return nil, unauthorized
	}
	stay := form.StayLoggedIn != nil && *form.StayLoggedIn
	t, err := f.store.login(form.Username, form.Password, stay, f.now())
	if err != nil {
		return nil, unauthorized
	}
	return loginOK{
		body:    homebox.TokenResponse{Token: "Bearer " + t.raw, ExpiresAt: t.expiresAt, AttachmentToken: t.attachment},
		cookies: cookies(info.domain, t, true),
	}, nil
}

// UserLogout implements POST /v1/users/logout.
func (f *Fake) UserLogout(ctx context.Context, _ homeboxserver.UserLogoutRequestObject) (homeboxserver.UserLogoutResponseObject, error) {
	info := infoOf(ctx)
	p := info.principal
	if p.apiKey {
		return nil, &fakekit.Error{Status: http.StatusBadRequest, Message: "API keys cannot be logged out; revoke them from the API keys page"}
	}
	f.store.logout(p.token)
	return logoutOK{cookies: clearCookies(info.domain)}, nil
}

type logoutAllOK struct{ cookies []*http.Cookie }

func (r logoutAllOK) VisitUserLogoutAllResponse(w http.ResponseWriter) error {
	setCookies(w, r.cookies)
	return homeboxserver.UserLogoutAll204Response{}.VisitUserLogoutAllResponse(w)
}

// UserLogoutAll implements POST /v1/users/logout/all (builds after
// v0.26.2): every session token of the user ends, the caller's included;
// API keys stay, and may make the call.
func (f *Fake) UserLogoutAll(ctx context.Context, _ homeboxserver.UserLogoutAllRequestObject) (homeboxserver.UserLogoutAllResponseObject, error) {
	info := infoOf(ctx)
	f.store.logoutAll(info.principal.userID)
	return logoutAllOK{cookies: clearCookies(info.domain)}, nil
}

// UserTokenRefresh implements GET /v1/users/refresh.
func (f *Fake) UserTokenRefresh(ctx context.Context, _ homeboxserver.UserTokenRefreshRequestObject) (homeboxserver.UserTokenRefreshResponseObject, error) {
	info := infoOf(ctx)
	p := info.principal
	if p.apiKey {
		return nil, &fakekit.Error{Status: http.StatusBadRequest, Message: "API keys do not require refresh"}
	}
	t, err := f.store.refresh(p.token, f.now())
	if err != nil {
		return nil, &fakekit.Error{Status: http.StatusUnauthorized, Message: msgUnauthorized}
	}
	return refreshOK{
		body:    homebox.TokenRefreshResponse{Raw: t.raw, AttachmentToken: t.attachment, ExpiresAt: t.expiresAt},
		cookies: cookies(info.domain, t, false),
	}, nil
}

// OIDCLogin implements GET /v1/users/login/oidc: a redirect to the identity
// provider with a fresh state.
func (f *Fake) OIDCLogin(ctx context.Context, _ homeboxserver.OIDCLoginRequestObject) (homeboxserver.OIDCLoginResponseObject, error) {
	cfg, info := f.Config(), infoOf(ctx)
	if !cfg.OIDCEnabled {
		return homeboxserver.OIDCLogin404Response{}, nil
	}
	state := f.store.newOIDCState(f.now())
	q := url.Values{
		"client_id":     {cfg.OIDCClientID},
		"redirect_uri":  {info.origin + basePath + "/v1/users/login/oidc/callback"},
		"response_type": {"code"},
		"scope":         {"openid profile email"},
		"state":         {state},
		"nonce":         {randomToken(16)},
	}
	loc := strings.TrimSuffix(cfg.OIDCIssuer, "/") + "/authorize?" + q.Encode()
	return homeboxserver.OIDCLogin302Response{Headers: homeboxserver.OIDCLogin302ResponseHeaders{Location: loc}}, nil
}

// OIDCCallback implements GET /v1/users/login/oidc/callback: always a 302,
// to /home with the session cookies on success, else to the error page.
func (f *Fake) OIDCCallback(ctx context.Context, req homeboxserver.OIDCCallbackRequestObject) (homeboxserver.OIDCCallbackResponseObject, error) {
	cfg, info := f.Config(), infoOf(ctx)
	if !cfg.OIDCEnabled {
		return homeboxserver.OIDCCallback404Response{}, nil
	}
	t, err := f.store.oidcCallback(req.Params.Code, req.Params.State, cfg.OIDCIssuer, f.now())
	if err != nil {
		return oidcRedirect{location: oidcFailedPath}, nil
	}
	return oidcRedirect{location: oidcSuccessPath, cookies: cookies(info.domain, t, true)}, nil
}

// RegisterNewUser implements POST /v1/users/register.
func (f *Fake) RegisterNewUser(_ context.Context, req homeboxserver.RegisterNewUserRequestObject) (homeboxserver.RegisterNewUserResponseObject, error) {
	cfg := f.Config()
	if !cfg.LocalLoginEnabled {
		return nil, &fakekit.Error{Status: http.StatusForbidden, Message: msgLocalDisabled}
	}
	b := req.Body
	invitation := ""
	if b.Token != nil {
		invitation = *b.Token
	}
	if !cfg.RegistrationEnabled && invitation == "" {
		return nil, &fakekit.Error{Status: http.StatusForbidden, Message: msgRegDisabled}
	}
	if err := f.store.register(b.Name, b.Email, b.Password, invitation); err != nil {
		return nil, err
	}
	return homeboxserver.RegisterNewUser204Response{}, nil
}

// ForgotPassword implements POST /v1/users/forgot-password: 204 whether or
// not the address is known; the token is kept for LastResetToken.
func (f *Fake) ForgotPassword(_ context.Context, req homeboxserver.ForgotPasswordRequestObject) (homeboxserver.ForgotPasswordResponseObject, error) {
	if !f.Config().LocalLoginEnabled {
		return nil, &fakekit.Error{Status: http.StatusForbidden, Message: msgLocalDisabled}
	}
	if strings.TrimSpace(req.Body.Email) == "" {
		return nil, &fakekit.Error{Status: http.StatusBadRequest, Message: "email is required"}
	}
	now := f.now()
	if to, tok := f.store.forgot(req.Body.Email, now); tok != "" {
		f.outbox.Add(fakekit.Message{Kind: "password_reset", To: to, Value: tok, At: now}) // the e-mail
	}
	return homeboxserver.ForgotPassword204Response{}, nil
}

// ResetPassword implements POST /v1/users/reset-password.
func (f *Fake) ResetPassword(_ context.Context, req homeboxserver.ResetPasswordRequestObject) (homeboxserver.ResetPasswordResponseObject, error) {
	if !f.Config().LocalLoginEnabled {
		return nil, &fakekit.Error{Status: http.StatusForbidden, Message: msgLocalDisabled}
	}
	if err := f.store.reset(req.Body.Token, req.Body.Password, f.now()); err != nil {
		return nil, &fakekit.Error{Status: http.StatusBadRequest, Message: err.Error()}
	}
	return homeboxserver.ResetPassword204Response{}, nil
}

// GetUserSelf implements GET /v1/users/self.
func (f *Fake) GetUserSelf(ctx context.Context, _ homeboxserver.GetUserSelfRequestObject) (homeboxserver.GetUserSelfResponseObject, error) {
	u, err := f.store.user(infoOf(ctx).principal.userID)
	if err != nil {
		return nil, err
	}
	return homeboxserver.GetUserSelf200JSONResponse{Item: u}, nil
}

// UpdateAccount implements PUT /v1/users/self: name and email replaced,
// the full user returned.
func (f *Fake) UpdateAccount(ctx context.Context, req homeboxserver.UpdateAccountRequestObject) (homeboxserver.UpdateAccountResponseObject, error) {
	u, err := f.store.update(infoOf(ctx).principal.userID, req.Body.Name, req.Body.Email)
	if err != nil {
		return nil, err
	}
	return homeboxserver.UpdateAccount200JSONResponse{Item: u}, nil
}

// DeleteAccount implements DELETE /v1/users/self.
func (f *Fake) DeleteAccount(ctx context.Context, _ homeboxserver.DeleteAccountRequestObject) (homeboxserver.DeleteAccountResponseObject, error) {
	if err := f.store.deleteUser(infoOf(ctx).principal.userID); err != nil {
		return nil, err
	}
	return homeboxserver.DeleteAccount204Response{}, nil
}

// GetUserSettings implements GET /v1/users/self/settings.
func (f *Fake) GetUserSettings(ctx context.Context, _ homeboxserver.GetUserSettingsRequestObject) (homeboxserver.GetUserSettingsResponseObject, error) {
	s, err := f.store.settings(infoOf(ctx).principal.userID)
	if err != nil {
		return nil, err
	}
	return homeboxserver.GetUserSettings200JSONResponse{
		Body:    homebox.WrappedUserSettings{Item: s},
		Headers: homeboxserver.GetUserSettings200ResponseHeaders{CacheControl: "no-store"},
	}, nil
}

// UpdateUserSettings implements PUT /v1/users/self/settings: the whole
// object is replaced (null stores null).
func (f *Fake) UpdateUserSettings(ctx context.Context, req homeboxserver.UpdateUserSettingsRequestObject) (homeboxserver.UpdateUserSettingsResponseObject, error) {
	id := infoOf(ctx).principal.userID
	var v homebox.UserSettings
	if req.Body != nil {
		v = *req.Body
	}
	if err := f.store.setSettings(id, v); err != nil {
		return nil, err
	}
	s, err := f.store.settings(id)
	if err != nil {
		return nil, err
	}
	return homeboxserver.UpdateUserSettings200JSONResponse{
		Body:    homebox.WrappedUserSettings{Item: s},
		Headers: homeboxserver.UpdateUserSettings200ResponseHeaders{CacheControl: "no-store"},
	}, nil
}

// ChangePassword implements PUT /v1/users/self/change-password. A wrong
// current password is a 500, as on the real server.
func (f *Fake) ChangePassword(ctx context.Context, req homeboxserver.ChangePasswordRequestObject) (homeboxserver.ChangePasswordResponseObject, error) {
	p := infoOf(ctx).principal
	keep := ""
	if !p.apiKey {
		keep = p.token
	}
	if err := f.store.changePassword(p.userID, req.Body.Current, req.Body.New, keep); err != nil {
		// The real handler wraps a nil error: the message is the status text.
		return nil, &fakekit.Error{Status: http.StatusInternalServerError, Message: http.StatusText(http.StatusInternalServerError)}
	}
	return homeboxserver.ChangePassword204Response{}, nil
}

// ListAPIKeys implements GET /v1/users/self/api-keys: newest first, no tokens.
func (f *Fake) ListAPIKeys(ctx context.Context, _ homeboxserver.ListAPIKeysRequestObject) (homeboxserver.ListAPIKeysResponseObject, error) {
	return homeboxserver.ListAPIKeys200JSONResponse(f.store.listAPIKeys(infoOf(ctx).principal.userID)), nil
}

// fieldError is go-playground/validator's FieldError text.
func fieldError(structName, field, tag string) string {
	return fmt.Sprintf("Key: '%s.%s' Error:Field validation for '%s' failed on the '%s' tag", structName, field, field, tag)
}

// CreateAPIKey implements POST /v1/users/self/api-keys.
func (f *Fake) CreateAPIKey(ctx context.Context, req homeboxserver.CreateAPIKeyRequestObject) (homeboxserver.CreateAPIKeyResponseObject, error) {
	// go-playground/validator on `validate:"required,min=1,max=255"`: the
	// field is named as in the Go struct, and only emptiness and length
	// count (a name of spaces passes).
	tag := ""
	switch n := utf8.RuneCountInString(req.Body.Name); {
	case n == 0:
		tag = "required"
	case n > 255:
		tag = "max"
	}
	if tag != "" {
		return nil, &fakekit.Error{Status: http.StatusUnprocessableEntity, Message: "Validation Error",
			Fields: map[string]string{"Name": fieldError("APIKeyCreate", "Name", tag)}}
	}
	k := f.store.createAPIKey(infoOf(ctx).principal.userID, req.Body.Name, req.Body.ExpiresAt, f.now())
	return homeboxserver.CreateAPIKey201JSONResponse(k), nil
}

// DeleteAPIKey implements DELETE /v1/users/self/api-keys/{id}.
func (f *Fake) DeleteAPIKey(ctx context.Context, req homeboxserver.DeleteAPIKeyRequestObject) (homeboxserver.DeleteAPIKeyResponseObject, error) {
	err := f.store.deleteAPIKey(infoOf(ctx).principal.userID, req.ID)
	switch {
	case errors.Is(err, errNotFound):
		return nil, &fakekit.Error{Status: http.StatusNotFound, Message: "Not Found"}
	case err != nil:
		return nil, err
	}
	return homeboxserver.DeleteAPIKey204Response{}, nil
}
