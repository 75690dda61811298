package fake

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
)

// The strict-server methods: each reads the principal the auth middleware
// put in the context, calls the store and maps its errors to the real
// server's statuses and messages.

func homeboxErr(msg string) homebox.ErrorResponse { return homebox.ErrorResponse{Error: msg} }

// homeboxCookies are the cookies login, refresh and the OIDC callback set.
func homeboxCookies(domain string, t homeboxTokens, remember bool) []*http.Cookie {
	mk := func(name, value string, httpOnly bool) *http.Cookie {
		return &http.Cookie{Name: name, Value: value, Expires: t.expiresAt, Domain: domain, Path: "/", HttpOnly: httpOnly}
	}
	return []*http.Cookie{
		mk(homeboxCookieRemember, strconv.FormatBool(remember), true),
		mk(homeboxCookieToken, t.raw, true),
		mk(homeboxCookieSession, "true", false),
		mk(homeboxCookieAttachment, t.attachment, true),
	}
}

// homeboxClearCookies are the expired cookies logout sets.
func homeboxClearCookies(domain string) []*http.Cookie {
	mk := func(name, value string, httpOnly bool) *http.Cookie {
		return &http.Cookie{Name: name, Value: value, Expires: time.Unix(0, 0), Domain: domain, Path: "/", HttpOnly: httpOnly}
	}
	return []*http.Cookie{
		mk(homeboxCookieToken, "", true),
		mk(homeboxCookieRemember, "false", true),
		mk(homeboxCookieSession, "false", false),
		mk(homeboxCookieAttachment, "", true),
	}
}

func homeboxSetCookies(w http.ResponseWriter, cs []*http.Cookie) {
	for _, c := range cs {
		http.SetCookie(w, c)
	}
}

type homeboxLoginOK struct {
	body    homebox.TokenResponse
	cookies []*http.Cookie
}

func (r homeboxLoginOK) VisitUserLoginResponse(w http.ResponseWriter) error {
	homeboxSetCookies(w, r.cookies)
	return homebox.UserLogin200JSONResponse(r.body).VisitUserLoginResponse(w)
}

type homeboxRefreshOK struct {
	body    homebox.TokenRefreshResponse
	cookies []*http.Cookie
}

func (r homeboxRefreshOK) VisitUserTokenRefreshResponse(w http.ResponseWriter) error {
	homeboxSetCookies(w, r.cookies)
	return homebox.UserTokenRefresh200JSONResponse(r.body).VisitUserTokenRefreshResponse(w)
}

type homeboxLogoutOK struct{ cookies []*http.Cookie }

func (r homeboxLogoutOK) VisitUserLogoutResponse(w http.ResponseWriter) error {
	homeboxSetCookies(w, r.cookies)
	return homebox.UserLogout204Response{}.VisitUserLogoutResponse(w)
}

type homeboxOIDCRedirect struct {
	location string
	cookies  []*http.Cookie
}

func (r homeboxOIDCRedirect) VisitOidcCallbackResponse(w http.ResponseWriter) error {
	homeboxSetCookies(w, r.cookies)
	return homebox.OidcCallback302Response{Headers: homebox.OidcCallback302ResponseHeaders{Location: r.location}}.VisitOidcCallbackResponse(w)
}

// UserLogin implements POST /v1/users/login.
func (f *HomeboxFake) UserLogin(ctx context.Context, req homebox.UserLoginRequestObject) (homebox.UserLoginResponseObject, error) {
	cfg, info := f.Config(), homeboxInfo(ctx)
	if !cfg.LocalLoginEnabled {
		return homebox.UserLogin403JSONResponse(homeboxErr(homeboxMsgLocalDisabled)), nil
	}
	if p := req.Params.Provider; p != nil && *p != "" && *p != "local" {
		return homebox.UserLogin400JSONResponse(homeboxErr("invalid auth provider")), nil
	}
	unauthorized := homebox.UserLogin401JSONResponse(homeboxErr(homeboxMsgUnauthorized))
	// The real server accepts exactly these two Content-Type values.
	form := req.JSONBody
	switch info.contentType {
	case homeboxCTJSON:
	case homeboxCTForm:
		form = req.FormdataBody
	default:
		return unauthorized, nil
	}
	if form == nil || form.Username == "" || form.Password == "" {
		return unauthorized, nil
	}
	stay := form.StayLoggedIn != nil && *form.StayLoggedIn
	t, err := f.store.login(form.Username, form.Password, stay, f.now())
	if err != nil {
		return unauthorized, nil
	}
	return homeboxLoginOK{
		body:    homebox.TokenResponse{Token: "Bearer " + t.raw, ExpiresAt: t.expiresAt, AttachmentToken: t.attachment},
		cookies: homeboxCookies(info.domain, t, true),
	}, nil
}

// UserLogout implements POST /v1/users/logout.
func (f *HomeboxFake) UserLogout(ctx context.Context, _ homebox.UserLogoutRequestObject) (homebox.UserLogoutResponseObject, error) {
	info := homeboxInfo(ctx)
	p := info.principal
	if p.apiKey {
		return homebox.UserLogout400JSONResponse(homeboxErr("API keys cannot be logged out; revoke them from the API keys page")), nil
	}
	f.store.logout(p.token)
	return homeboxLogoutOK{cookies: homeboxClearCookies(info.domain)}, nil
}

type homeboxLogoutAllOK struct{ cookies []*http.Cookie }

func (r homeboxLogoutAllOK) VisitUserLogoutAllResponse(w http.ResponseWriter) error {
	homeboxSetCookies(w, r.cookies)
	return homebox.UserLogoutAll204Response{}.VisitUserLogoutAllResponse(w)
}

// UserLogoutAll implements POST /v1/users/logout/all (builds after
// v0.26.2): every session token of the user ends, the caller's included;
// API keys stay, and may make the call.
func (f *HomeboxFake) UserLogoutAll(ctx context.Context, _ homebox.UserLogoutAllRequestObject) (homebox.UserLogoutAllResponseObject, error) {
	info := homeboxInfo(ctx)
	f.store.logoutAll(info.principal.userID)
	return homeboxLogoutAllOK{cookies: homeboxClearCookies(info.domain)}, nil
}

// UserTokenRefresh implements GET /v1/users/refresh.
func (f *HomeboxFake) UserTokenRefresh(ctx context.Context, _ homebox.UserTokenRefreshRequestObject) (homebox.UserTokenRefreshResponseObject, error) {
	info := homeboxInfo(ctx)
	p := info.principal
	if p.apiKey {
		return homebox.UserTokenRefresh400JSONResponse(homeboxErr("API keys do not require refresh")), nil
	}
	t, err := f.store.refresh(p.token, f.now())
	if err != nil {
		return homebox.UserTokenRefresh401JSONResponse{UnauthorizedJSONResponse: homebox.UnauthorizedJSONResponse(homeboxErr(homeboxMsgUnauthorized))}, nil
	}
	return homeboxRefreshOK{
		body:    homebox.TokenRefreshResponse{Raw: t.raw, AttachmentToken: t.attachment, ExpiresAt: t.expiresAt},
		cookies: homeboxCookies(info.domain, t, false),
	}, nil
}

// OidcLogin implements GET /v1/users/login/oidc: a redirect to the identity
// provider with a fresh state.
func (f *HomeboxFake) OidcLogin(ctx context.Context, _ homebox.OidcLoginRequestObject) (homebox.OidcLoginResponseObject, error) {
	cfg, info := f.Config(), homeboxInfo(ctx)
	if !cfg.OIDCEnabled {
		return homebox.OidcLogin404Response{}, nil
	}
	state := f.store.newOIDCState(f.now())
	q := url.Values{
		"client_id":     {cfg.OIDCClientID},
		"redirect_uri":  {info.origin + homeboxBasePath + "/v1/users/login/oidc/callback"},
		"response_type": {"code"},
		"scope":         {"openid profile email"},
		"state":         {state},
		"nonce":         {homeboxRandomToken(16)},
	}
	loc := strings.TrimSuffix(cfg.OIDCIssuer, "/") + "/authorize?" + q.Encode()
	return homebox.OidcLogin302Response{Headers: homebox.OidcLogin302ResponseHeaders{Location: loc}}, nil
}

// OidcCallback implements GET /v1/users/login/oidc/callback: always a 302,
// to /home with the session cookies on success, else to the error page.
func (f *HomeboxFake) OidcCallback(ctx context.Context, req homebox.OidcCallbackRequestObject) (homebox.OidcCallbackResponseObject, error) {
	cfg, info := f.Config(), homeboxInfo(ctx)
	if !cfg.OIDCEnabled {
		return homebox.OidcCallback404Response{}, nil
	}
	t, err := f.store.oidcCallback(req.Params.Code, req.Params.State, cfg.OIDCIssuer, f.now())
	if err != nil {
		return homeboxOIDCRedirect{location: homeboxOIDCFailedPath}, nil
	}
	return homeboxOIDCRedirect{location: homeboxOIDCSuccessPath, cookies: homeboxCookies(info.domain, t, true)}, nil
}

// RegisterNewUser implements POST /v1/users/register.
func (f *HomeboxFake) RegisterNewUser(_ context.Context, req homebox.RegisterNewUserRequestObject) (homebox.RegisterNewUserResponseObject, error) {
	cfg := f.Config()
	if !cfg.LocalLoginEnabled {
		return homebox.RegisterNewUser403JSONResponse(homeboxErr(homeboxMsgLocalDisabled)), nil
	}
	b := req.Body
	invitation := ""
	if b.Token != nil {
		invitation = *b.Token
	}
	if !cfg.RegistrationEnabled && invitation == "" {
		return homebox.RegisterNewUser403JSONResponse(homeboxErr(homeboxMsgRegDisabled)), nil
	}
	if err := f.store.register(b.Name, b.Email, b.Password, invitation); err != nil {
		return homebox.RegisterNewUser500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.RegisterNewUser204Response{}, nil
}

// ForgotPassword implements POST /v1/users/forgot-password: 204 whether or
// not the address is known; the token is kept for LastResetToken.
func (f *HomeboxFake) ForgotPassword(_ context.Context, req homebox.ForgotPasswordRequestObject) (homebox.ForgotPasswordResponseObject, error) {
	if !f.Config().LocalLoginEnabled {
		return homebox.ForgotPassword403JSONResponse(homeboxErr(homeboxMsgLocalDisabled)), nil
	}
	if strings.TrimSpace(req.Body.Email) == "" {
		return homebox.ForgotPassword400JSONResponse{BadRequestJSONResponse: homebox.BadRequestJSONResponse(homeboxErr("email is required"))}, nil
	}
	f.store.forgot(req.Body.Email, f.now())
	return homebox.ForgotPassword204Response{}, nil
}

// ResetPassword implements POST /v1/users/reset-password.
func (f *HomeboxFake) ResetPassword(_ context.Context, req homebox.ResetPasswordRequestObject) (homebox.ResetPasswordResponseObject, error) {
	if !f.Config().LocalLoginEnabled {
		return homebox.ResetPassword403JSONResponse(homeboxErr(homeboxMsgLocalDisabled)), nil
	}
	if err := f.store.reset(req.Body.Token, req.Body.Password, f.now()); err != nil {
		return homebox.ResetPassword400JSONResponse{BadRequestJSONResponse: homebox.BadRequestJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.ResetPassword204Response{}, nil
}

// GetUserSelf implements GET /v1/users/self.
func (f *HomeboxFake) GetUserSelf(ctx context.Context, _ homebox.GetUserSelfRequestObject) (homebox.GetUserSelfResponseObject, error) {
	u, err := f.store.user(homeboxInfo(ctx).principal.userID)
	if err != nil {
		return homebox.GetUserSelf500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.GetUserSelf200JSONResponse{Item: u}, nil
}

// UpdateAccount implements PUT /v1/users/self: name and email replaced,
// the full user returned.
func (f *HomeboxFake) UpdateAccount(ctx context.Context, req homebox.UpdateAccountRequestObject) (homebox.UpdateAccountResponseObject, error) {
	u, err := f.store.update(homeboxInfo(ctx).principal.userID, req.Body.Name, req.Body.Email)
	if err != nil {
		return homebox.UpdateAccount500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.UpdateAccount200JSONResponse{Item: u}, nil
}

// DeleteAccount implements DELETE /v1/users/self.
func (f *HomeboxFake) DeleteAccount(ctx context.Context, _ homebox.DeleteAccountRequestObject) (homebox.DeleteAccountResponseObject, error) {
	if err := f.store.deleteUser(homeboxInfo(ctx).principal.userID); err != nil {
		return homebox.DeleteAccount500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.DeleteAccount204Response{}, nil
}

// GetUserSettings implements GET /v1/users/self/settings.
func (f *HomeboxFake) GetUserSettings(ctx context.Context, _ homebox.GetUserSettingsRequestObject) (homebox.GetUserSettingsResponseObject, error) {
	s, err := f.store.settings(homeboxInfo(ctx).principal.userID)
	if err != nil {
		return homebox.GetUserSettings500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.GetUserSettings200JSONResponse{
		Body:    homebox.WrappedUserSettings{Item: s},
		Headers: homebox.GetUserSettings200ResponseHeaders{CacheControl: "no-store"},
	}, nil
}

// UpdateUserSettings implements PUT /v1/users/self/settings: the whole
// object is replaced (null stores null).
func (f *HomeboxFake) UpdateUserSettings(ctx context.Context, req homebox.UpdateUserSettingsRequestObject) (homebox.UpdateUserSettingsResponseObject, error) {
	id := homeboxInfo(ctx).principal.userID
	var v homebox.UserSettings
	if req.Body != nil {
		v = *req.Body
	}
	if err := f.store.setSettings(id, v); err != nil {
		return homebox.UpdateUserSettings500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	s, err := f.store.settings(id)
	if err != nil {
		return homebox.UpdateUserSettings500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.UpdateUserSettings200JSONResponse{
		Body:    homebox.WrappedUserSettings{Item: s},
		Headers: homebox.UpdateUserSettings200ResponseHeaders{CacheControl: "no-store"},
	}, nil
}

// ChangePassword implements PUT /v1/users/self/change-password. A wrong
// current password is a 500, as on the real server.
func (f *HomeboxFake) ChangePassword(ctx context.Context, req homebox.ChangePasswordRequestObject) (homebox.ChangePasswordResponseObject, error) {
	p := homeboxInfo(ctx).principal
	keep := ""
	if !p.apiKey {
		keep = p.token
	}
	if err := f.store.changePassword(p.userID, req.Body.Current, req.Body.New, keep); err != nil {
		// The real handler wraps a nil error: the message is the status text.
		return homebox.ChangePassword500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(http.StatusText(http.StatusInternalServerError)))}, nil
	}
	return homebox.ChangePassword204Response{}, nil
}

// ListApiKeys implements GET /v1/users/self/api-keys: newest first, no tokens.
func (f *HomeboxFake) ListApiKeys(ctx context.Context, _ homebox.ListApiKeysRequestObject) (homebox.ListApiKeysResponseObject, error) {
	return homebox.ListApiKeys200JSONResponse(f.store.listAPIKeys(homeboxInfo(ctx).principal.userID)), nil
}

// homeboxFieldError is go-playground/validator's FieldError text.
func homeboxFieldError(structName, field, tag string) string {
	return fmt.Sprintf("Key: '%s.%s' Error:Field validation for '%s' failed on the '%s' tag", structName, field, field, tag)
}

// CreateApiKey implements POST /v1/users/self/api-keys.
func (f *HomeboxFake) CreateApiKey(ctx context.Context, req homebox.CreateApiKeyRequestObject) (homebox.CreateApiKeyResponseObject, error) {
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
		return homebox.CreateApiKey422JSONResponse{ValidationErrorJSONResponse: homebox.ValidationErrorJSONResponse{
			Error: "Validation Error", Fields: &map[string]string{"Name": homeboxFieldError("APIKeyCreate", "Name", tag)},
		}}, nil
	}
	k := f.store.createAPIKey(homeboxInfo(ctx).principal.userID, req.Body.Name, req.Body.ExpiresAt, f.now())
	return homebox.CreateApiKey201JSONResponse(k), nil
}

// DeleteApiKey implements DELETE /v1/users/self/api-keys/{id}.
func (f *HomeboxFake) DeleteApiKey(ctx context.Context, req homebox.DeleteApiKeyRequestObject) (homebox.DeleteApiKeyResponseObject, error) {
	err := f.store.deleteAPIKey(homeboxInfo(ctx).principal.userID, req.Id)
	switch {
	case errors.Is(err, errHomeboxNotFound):
		return homebox.DeleteApiKey404JSONResponse{NotFoundJSONResponse: homebox.NotFoundJSONResponse(homeboxErr("Not Found"))}, nil
	case err != nil:
		return homebox.DeleteApiKey500JSONResponse{InternalErrorJSONResponse: homebox.InternalErrorJSONResponse(homeboxErr(err.Error()))}, nil
	}
	return homebox.DeleteApiKey204Response{}, nil
}
