// The Homebox client (api/homebox.yaml): the session token it keeps and
// renews, API keys, password flows, settings, OIDC redirects not followed.

package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/gen/homebox"
)

// Homebox is a client for Homebox's /api/v1/users API (api/homebox.yaml).
//
// UserLogin keeps the session token it receives (Homebox sends it with its
// "Bearer " prefix), UserTokenRefresh swaps it for the new one (the old one
// stops working at once), and UserLogout and DeleteAccount clear it. A
// token or an API key can also be given with WithBearerToken or WithAPIKey.
// A Homebox client is safe for concurrent use.
type Homebox struct {
	c *core
	// token is the Authorization value, "Bearer ..." included, behind a
	// pointer so that even a print of a Homebox value shows an address,
	// not the token.
	token atomic.Pointer[string]
}

// NewHomebox returns a Homebox client. WithBaseURL is required: the address
// a person opens in a browser (https://homebox.example.com), with or without
// /api or /api/v1; the API path is appended unless it is there.
func NewHomebox(opts ...ClientOption) (*Homebox, error) {
	c, err := newCore("homebox", "", apiPaths{server: "/api", full: "/api/v1"}, opts)
	if err != nil {
		return nil, err
	}
	h := &Homebox{c: c}
	switch {
	case c.cfg.bearerToken != "":
		h.SetToken(c.cfg.bearerToken)
	case c.cfg.apiKey != "":
		h.SetToken(c.cfg.apiKey)
	}
	base := c.cfg
	c.authorize = func(_ context.Context, req *http.Request, cfg *config) error {
		tok := h.Token()
		// A per-call WithBearerToken or WithAPIKey overrides the session.
		switch {
		case cfg.bearerToken != "" && cfg.bearerToken != base.bearerToken:
			tok = bearer(cfg.bearerToken)
		case cfg.apiKey != "" && cfg.apiKey != base.apiKey:
			tok = bearer(cfg.apiKey)
		}
		if tok == "" {
			return &authError{service: "homebox", err: fmt.Errorf("%w: call UserLogin first, or use WithBearerToken or WithAPIKey", ErrNotAuthenticated)}
		}
		req.Header.Set("Authorization", tok)
		return nil
	}
	c.decodeError = func(e *APIError) {
		var body homebox.ErrorResponse
		if decodeJSONError(e, &body) {
			e.Message = body.Error
			if body.Fields != nil && len(*body.Fields) > 0 {
				e.Fields = *body.Fields
			}
		}
	}
	return h, nil
}

// bearer adds the "Bearer " prefix Homebox expects unless it is there.
func bearer(tok string) string {
	if strings.HasPrefix(tok, "Bearer ") {
		return tok
	}
	return "Bearer " + tok
}

// Token returns the Authorization value the client sends ("Bearer ..."),
// or "" when logged out. Keep it to resume a session with WithBearerToken.
func (h *Homebox) Token() string {
	if t := h.token.Load(); t != nil {
		return *t
	}
	return ""
}

// SetToken replaces the session token or API key the client sends.
func (h *Homebox) SetToken(tok string) {
	if tok == "" {
		h.token.Store(nil)
		return
	}
	b := bearer(tok)
	h.token.Store(&b)
}

// UserLogin logs in with email and password and keeps the token for later
// calls. stayLoggedIn asks for a 28-day session instead of 7 days.
//
// A 429 (too many failed attempts from this address) is returned at once
// as an *APIError matching ErrRateLimited, with the server's Retry-After in
// its RetryAfter, and never retried: every refused attempt lengthens the
// server's lock-out. ForgotPassword and ResetPassword behave the same.
func (h *Homebox) UserLogin(ctx context.Context, username, password string, stayLoggedIn bool, opts ...CallOption) (*homebox.TokenResponse, *Response, error) {
	const op = "userLogin"
	if username == "" || password == "" {
		return nil, nil, &ParamError{Operation: op, Param: "username/password", Reason: "must not be empty"}
	}
	body := homebox.LoginForm{Username: username, Password: password, StayLoggedIn: &stayLoggedIn}
	tok, resp, err := sendResult(withBodySecrets(ctx, password), h.c, op, authAttempt(opts),
		post(homebox.UserLoginPath(nil)).json(body),
		jsonOK[homebox.TokenResponse])
	if err != nil {
		return nil, resp, err
	}
	if tok.Token == "" {
		return nil, resp, h.c.decodeErr(op, resp, errors.New("login answered without a token"))
	}
	h.SetToken(tok.Token)
	return tok, resp, nil
}

// UserLogout ends the session and forgets the token.
func (h *Homebox) UserLogout(ctx context.Context, opts ...CallOption) (*Response, error) {
	const op = "userLogout"
	_, resp, err := send(ctx, h.c, op, opts, post(homebox.UserLogoutPath()), discard)
	return h.endSession(op, resp, err)
}

// UserLogoutAll ends every session of the user, on every device, the one
// this client holds included (its token is forgotten on success). API keys
// are not sessions: they keep working, and a client authenticated by an
// API key keeps it. The operation exists on Homebox builds after v0.26.2;
// v0.26.2 answers 404 (ErrNotFound).
func (h *Homebox) UserLogoutAll(ctx context.Context, opts ...CallOption) (*Response, error) {
	const op = "userLogoutAll"
	resp, err := sendEmpty(ctx, h.c, op, opts, post(homebox.UserLogoutAllPath()), http.StatusNoContent)
	if err != nil {
		return resp, err
	}
	if key := h.c.cfg.apiKey; key == "" || h.Token() != bearer(key) {
		h.SetToken("")
	}
	return resp, nil
}

// endSession forgets the token once the server has ended the session: on
// the documented 204, or on a 401 (the session was already gone).
func (h *Homebox) endSession(op string, resp *Response, err error) (*Response, error) {
	if errors.Is(err, ErrUnauthorized) {
		h.SetToken("")
	}
	if err != nil {
		return resp, err
	}
	if _, err := expectStatus(h.c, op, resp, http.StatusNoContent); err != nil {
		return resp, err
	}
	h.SetToken("")
	return resp, nil
}

// UserTokenRefresh gets a new session token and switches to it; the old
// token stops working. The result's Raw has no "Bearer " prefix.
func (h *Homebox) UserTokenRefresh(ctx context.Context, opts ...CallOption) (*homebox.TokenRefreshResponse, *Response, error) {
	const op = "userTokenRefresh"
	tok, resp, err := sendResult(ctx, h.c, op, opts,
		get(homebox.UserTokenRefreshPath()),
		jsonOK[homebox.TokenRefreshResponse])
	if err != nil {
		return nil, resp, err
	}
	if tok.Raw == "" {
		return nil, resp, h.c.decodeErr(op, resp, errors.New("refresh answered without a token"))
	}
	h.SetToken(tok.Raw)
	return tok, resp, nil
}

// redirectTarget resolves the Location of a 302 answer.
func redirectTarget(c *core, op string, resp *Response) (*url.URL, *Response, error) {
	if _, err := expectStatus(c, op, resp, http.StatusFound); err != nil {
		return nil, resp, err
	}
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil || loc == "" {
		return nil, resp, c.decodeErr(op, resp, fmt.Errorf("unusable Location %q", loc))
	}
	return resp.Request.URL.ResolveReference(u), resp, nil
}

// OIDCLogin starts an OIDC login and returns where the browser must go
// (the identity provider). The redirect is not followed.
func (h *Homebox) OIDCLogin(ctx context.Context, opts ...CallOption) (*url.URL, *Response, error) {
	const op = "oidcLogin"
	if ctx == nil {
		return nil, nil, fmt.Errorf("homebox %s: nil context", op)
	}
	ctx = context.WithValue(ctx, noFollowKey{}, true)
	_, resp, err := send(ctx, h.c, op, public(opts), get(homebox.OIDCLoginPath()), discard)
	if err != nil {
		return nil, resp, err
	}
	return redirectTarget(h.c, op, resp)
}

// OIDCCallback completes an OIDC login with the provider's code and state
// and returns where Homebox sends the browser (/home on success,
// /?oidc_error=... on failure). The redirect is not followed.
func (h *Homebox) OIDCCallback(ctx context.Context, code, state string, opts ...CallOption) (*url.URL, *Response, error) {
	const op = "oidcCallback"
	if code == "" || state == "" {
		return nil, nil, &ParamError{Operation: op, Param: "code/state", Reason: "must not be empty"}
	}
	if ctx == nil {
		return nil, nil, fmt.Errorf("homebox %s: nil context", op)
	}
	ctx = context.WithValue(ctx, noFollowKey{}, true)
	_, resp, err := send(ctx, h.c, op, public(opts),
		get(homebox.OIDCCallbackPath(&homebox.OIDCCallbackParams{Code: code, State: state})),
		discard)
	if err != nil {
		return nil, resp, err
	}
	return redirectTarget(h.c, op, resp)
}

// RegisterNewUser registers an account (204). It does not log in. When the
// answer is lost or is a 500, 502 or 504, the error matches
// ErrOutcomeUnknown and the account may exist: try UserLogin with the same
// email and password before registering again.
func (h *Homebox) RegisterNewUser(ctx context.Context, body homebox.UserRegistration, opts ...CallOption) (*Response, error) {
	const op = "registerNewUser"
	return sendEmpty(withBodySecrets(ctx, body.Password), h.c, op, public(opts),
		post(homebox.RegisterNewUserPath()).json(body),
		http.StatusNoContent)
}

// GetUserSelf returns the logged-in user.
func (h *Homebox) GetUserSelf(ctx context.Context, opts ...CallOption) (*homebox.UserOut, *Response, error) {
	const op = "getUserSelf"
	w, resp, err := sendResult(ctx, h.c, op, opts,
		get(homebox.GetUserSelfPath()),
		jsonOK[homebox.WrappedUserOut])
	if err != nil {
		return nil, resp, err
	}
	return &w.Item, resp, nil
}

// UpdateAccount replaces the user's name and email.
func (h *Homebox) UpdateAccount(ctx context.Context, body homebox.UserUpdate, opts ...CallOption) (*homebox.UserOut, *Response, error) {
	const op = "updateAccount"
	w, resp, err := sendResult(ctx, h.c, op, opts,
		put(homebox.UpdateAccountPath()).json(body),
		jsonOK[homebox.WrappedUserOut])
	if err != nil {
		return nil, resp, err
	}
	return &w.Item, resp, nil
}

// DeleteAccount deletes the logged-in user and forgets the token.
func (h *Homebox) DeleteAccount(ctx context.Context, opts ...CallOption) (*Response, error) {
	const op = "deleteAccount"
	_, resp, err := send(ctx, h.c, op, opts, del(homebox.DeleteAccountPath()), discard)
	return h.endSession(op, resp, err)
}

// GetUserSettings returns the user's settings object (nil when null).
func (h *Homebox) GetUserSettings(ctx context.Context, opts ...CallOption) (homebox.UserSettings, *Response, error) {
	const op = "getUserSettings"
	w, resp, err := sendResult(ctx, h.c, op, opts,
		get(homebox.GetUserSettingsPath()),
		jsonOK[homebox.WrappedUserSettings])
	if err != nil || w.Item == nil {
		return nil, resp, err
	}
	return *w.Item, resp, nil
}

// UpdateUserSettings replaces the settings object whole (no merge) and
// returns what was stored.
func (h *Homebox) UpdateUserSettings(ctx context.Context, settings homebox.UserSettings, opts ...CallOption) (homebox.UserSettings, *Response, error) {
	const op = "updateUserSettings"
	w, resp, err := sendResult(ctx, h.c, op, opts,
		put(homebox.UpdateUserSettingsPath()).json(settings),
		jsonOK[homebox.WrappedUserSettings])
	if err != nil || w.Item == nil {
		return nil, resp, err
	}
	return *w.Item, resp, nil
}

// ChangePassword changes the password; the user's other sessions end, this
// one stays.
func (h *Homebox) ChangePassword(ctx context.Context, current, newPassword string, opts ...CallOption) (*Response, error) {
	const op = "changePassword"
	return sendEmpty(withBodySecrets(ctx, current, newPassword), h.c, op, opts,
		put(homebox.ChangePasswordPath()).json(homebox.ChangePassword{Current: current, New: newPassword}),
		http.StatusNoContent)
}

// ForgotPassword asks for a reset email (204 whether or not the address is
// known).
func (h *Homebox) ForgotPassword(ctx context.Context, email string, opts ...CallOption) (*Response, error) {
	const op = "forgotPassword"
	if email == "" {
		return nil, &ParamError{Operation: op, Param: "email", Reason: "must not be empty"}
	}
	return sendEmpty(ctx, h.c, op, authAttempt(opts),
		post(homebox.ForgotPasswordPath()).json(homebox.ForgotPasswordRequest{Email: email}),
		http.StatusNoContent)
}

// ResetPassword sets a new password with the token from the reset email;
// every session of the user ends.
func (h *Homebox) ResetPassword(ctx context.Context, token, password string, opts ...CallOption) (*Response, error) {
	const op = "resetPassword"
	return sendEmpty(withBodySecrets(ctx, token, password), h.c, op, authAttempt(opts),
		post(homebox.ResetPasswordPath()).json(homebox.ResetPasswordRequest{Token: token, Password: password}),
		http.StatusNoContent)
}

// ListAPIKeys lists the user's API keys, newest first, without their tokens.
func (h *Homebox) ListAPIKeys(ctx context.Context, opts ...CallOption) ([]homebox.APIKeyOut, *Response, error) {
	const op = "listApiKeys"
	list, resp, err := sendResult(ctx, h.c, op, opts,
		get(homebox.ListAPIKeysPath()),
		jsonOK[[]homebox.APIKeyOut])
	if err != nil {
		return nil, resp, err
	}
	return nonNil(*list), resp, nil
}

// CreateAPIKey creates an API key; the result's Token is shown only now.
// When the answer is lost or is a 500, 502 or 504, the error matches
// ErrOutcomeUnknown and the key may exist, its token lost: ListAPIKeys,
// delete one with this name and create it anew.
func (h *Homebox) CreateAPIKey(ctx context.Context, body homebox.APIKeyCreate, opts ...CallOption) (*homebox.APIKeyCreatedOut, *Response, error) {
	const op = "createApiKey"
	return sendResult(ctx, h.c, op, opts,
		post(homebox.CreateAPIKeyPath()).json(body),
		jsonCreated[homebox.APIKeyCreatedOut])
}

// DeleteAPIKey revokes an API key.
func (h *Homebox) DeleteAPIKey(ctx context.Context, id uuid.UUID, opts ...CallOption) (*Response, error) {
	const op = "deleteApiKey"
	if id == (uuid.UUID{}) {
		return nil, &ParamError{Operation: op, Param: "id", Reason: "must not be the zero UUID"}
	}
	return sendEmpty(ctx, h.c, op, opts,
		del(homebox.DeleteAPIKeyPath(id)),
		http.StatusNoContent)
}
