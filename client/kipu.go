// The Kipu client (api/kipu.yaml): personal access tokens or OAuth2 bearer
// tokens, the profile, tokens, public user lookups and profile images.

package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/userapis/userapis-go/gen/kipu"
)

// KipuDefaultBaseURL is the host of the public Kipu Quantum Hub; the
// user-service path is appended (see WithBaseURL).
const KipuDefaultBaseURL = "https://api.hub.kipu-quantum.com"

// Kipu is a client for the Kipu Quantum Hub user-service (api/kipu.yaml).
// Authenticated operations send either the personal access token given
// with WithPersonalAccessToken (as X-Auth-Token) or an OAuth2 access token
// from the Hub's identity provider given with WithBearerToken (as
// "Authorization: Bearer"); the public ones (users, registration status,
// token resolution) send no credential.
type Kipu struct{ c *core }

// NewKipu returns a Kipu client. The base URL defaults to
// KipuDefaultBaseURL; give another host with WithBaseURL
// (http://127.0.0.1:8080 or http://127.0.0.1:8080/user-service: the
// /user-service path is appended unless it is there).
func NewKipu(opts ...ClientOption) (*Kipu, error) {
	c, err := newCore("kipu", KipuDefaultBaseURL, apiPaths{server: "/user-service", full: "/user-service"}, opts)
	if err != nil {
		return nil, err
	}
	c.authorize = func(_ context.Context, req *http.Request, cfg *config) error {
		switch {
		case cfg.bearerToken != "":
			req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(cfg.bearerToken, "Bearer "))
		case cfg.token != "":
			req.Header.Set("X-Auth-Token", cfg.token)
		default:
			return &authError{service: "kipu", err: fmt.Errorf("%w: this operation needs a personal access token (WithPersonalAccessToken) or an OAuth2 access token (WithBearerToken)", ErrNotAuthenticated)}
		}
		return nil
	}
	c.decodeError = func(e *APIError) {
		var body kipu.ErrorResponse
		if decodeJSONError(e, &body) {
			e.Code = body.Error
			e.Message = body.Error
			if body.Message != nil && *body.Message != "" {
				e.Message = *body.Message
			}
		}
	}
	// Spring answers a path without a handler with its default body: error
	// "Not Found" and no message.
	c.routeMiss = func(e *APIError) bool {
		return e.Code == http.StatusText(http.StatusNotFound) && e.Message == e.Code
	}
	return &Kipu{c: c}, nil
}

// public marks an operation that needs no credential.
func public(opts []CallOption) []CallOption { return append([]CallOption{withoutAuth}, opts...) }

// authAttempt marks a credential-checking call behind the server's auth
// rate limiter (a login, a password reset): a 429 is returned with its
// Retry-After instead of slept through, since every refused attempt
// lengthens the lock-out.
func authAttempt(opts []CallOption) []CallOption {
	return append([]CallOption{withoutAuth, markAuthAttempt}, opts...)
}

var (
	withoutAuth     = WithoutAuth()
	markAuthAttempt = callOnly{option{name: "authAttempt", set: func(c *config) error { c.authAttempt = true; return nil }}}
)

// GetCurrentUser returns the authenticated user's profile (GET /me). The
// service provisions the user from its identity provider on first call.
func (k *Kipu) GetCurrentUser(ctx context.Context, opts ...CallOption) (*kipu.UserDto, *Response, error) {
	const op = "getCurrentUser"
	return sendResult(ctx, k.c, op, opts,
		get(kipu.GetCurrentUserPath()),
		jsonOK[kipu.UserDto])
}

// UpdateCurrentUser replaces the editable profile fields (PUT /me): fields
// left nil are cleared. Email and names belong to the identity provider.
func (k *Kipu) UpdateCurrentUser(ctx context.Context, body kipu.UpdateUserRequest, opts ...CallOption) (*kipu.UserDto, *Response, error) {
	const op = "updateCurrentUser"
	return sendResult(ctx, k.c, op, opts,
		put(kipu.UpdateCurrentUserPath()).json(body),
		jsonOK[kipu.UserDto])
}

// DeleteCurrentUser deletes the authenticated user's account (DELETE /me).
func (k *Kipu) DeleteCurrentUser(ctx context.Context, opts ...CallOption) (*Response, error) {
	const op = "deleteCurrentUser"
	return sendEmpty(ctx, k.c, op, opts,
		del(kipu.DeleteCurrentUserPath()),
		http.StatusNoContent)
}

// UpdateCurrentUserProfileImage uploads a new profile image read from img
// (PUT /me/profile-image, multipart field "file"). The content type is
// sniffed from the data; filename is what the server is told.
func (k *Kipu) UpdateCurrentUserProfileImage(ctx context.Context, filename string, img io.Reader, opts ...CallOption) (*Response, error) {
	const op = "updateCurrentUserProfileImage"
	if img == nil {
		return nil, &ParamError{Operation: op, Param: "image", Reason: "must not be nil"}
	}
	data, err := io.ReadAll(img)
	if err != nil {
		return nil, fmt.Errorf("kipu %s: reading image: %w", op, err)
	}
	if len(data) == 0 {
		return nil, &ParamError{Operation: op, Param: "image", Reason: "must not be empty"}
	}
	// Quote the name as MIME does, not with %q: Go escapes such as \u00a0
	// are not MIME escapes and would reach the server as literal text.
	filename = strings.Map(safeFilenameRune, filename)
	if filename == "" {
		filename = "profile-image"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", http.DetectContentType(data))
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("kipu %s: encoding multipart body: %w", op, err)
	}
	body := buf.Bytes()
	return sendEmpty(ctx, k.c, op, opts,
		put(kipu.UpdateCurrentUserProfileImagePath()).raw(body, mw.FormDataContentType()),
		http.StatusNoContent)
}

// safeFilenameRune drops characters that would break the quoted filename.
func safeFilenameRune(r rune) rune {
	if r < 0x20 || r == '"' || r == '\\' || r == 0x7f {
		return -1
	}
	return r
}

// DeleteCurrentUserProfileImage removes the profile image (idempotent).
func (k *Kipu) DeleteCurrentUserProfileImage(ctx context.Context, opts ...CallOption) (*Response, error) {
	const op = "deleteCurrentUserProfileImage"
	return sendEmpty(ctx, k.c, op, opts,
		del(kipu.DeleteCurrentUserProfileImagePath()),
		http.StatusNoContent)
}

// GetPersonalAccessTokens lists the user's tokens. Raw token values are
// never returned here, only at creation.
func (k *Kipu) GetPersonalAccessTokens(ctx context.Context, opts ...CallOption) (*KipuAccessTokens, *Response, error) {
	const op = "getPersonalAccessTokens"
	return sendResult(ctx, k.c, op, opts,
		get(kipu.GetPersonalAccessTokensPath()),
		kipuTokensAnswer)
}

// CreatePersonalAccessToken creates a token; the result's Value holds the
// raw token, which the service shows only this once. When the answer is
// lost or is a 500, 502 or 504, the error matches ErrOutcomeUnknown and the
// token may exist, its value lost: list the tokens
// (GetPersonalAccessTokens), delete one with this name and create it anew.
func (k *Kipu) CreatePersonalAccessToken(ctx context.Context, req KipuTokenRequest, opts ...CallOption) (*KipuAccessToken, *Response, error) {
	const op = "createPersonalAccessToken"
	return sendResult(ctx, k.c, op, opts,
		post(kipu.CreatePersonalAccessTokenPath()).json(req.body()),
		kipuTokenAnswer)
}

// DeletePersonalAccessToken revokes the token with the given id.
func (k *Kipu) DeletePersonalAccessToken(ctx context.Context, id string, opts ...CallOption) (*Response, error) {
	const op = "deletePersonalAccessToken"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, k.c, op, opts,
		del(kipu.DeletePersonalAccessTokenPath(id)),
		http.StatusNoContent)
}

// RegenerateDefaultPersonalAccessToken replaces the default token and
// returns its new raw value. The old default token stops working, so a
// client authenticated with it must switch (see WithPersonalAccessToken).
func (k *Kipu) RegenerateDefaultPersonalAccessToken(ctx context.Context, opts ...CallOption) (*kipu.DefaultAccessTokenDto, *Response, error) {
	const op = "regenerateDefaultPersonalAccessToken"
	return sendResult(ctx, k.c, op, opts,
		post(kipu.RegenerateDefaultPersonalAccessTokenPath()),
		jsonOK[kipu.DefaultAccessTokenDto])
}

// AuthorizeByPersonalAccessToken resolves token into the principal that
// owns it (public; the token travels as X-Auth-Token).
func (k *Kipu) AuthorizeByPersonalAccessToken(ctx context.Context, token string, opts ...CallOption) (*KipuPrincipal, *Response, error) {
	const op = "authorizeByPersonalAccessToken"
	if token == "" {
		return nil, nil, &ParamError{Operation: op, Param: "token", Reason: "must not be empty"}
	}
	return sendResult(ctx, k.c, op, public(opts),
		get(kipu.AuthorizeByPersonalAccessTokenPath()).
			with(kipu.AuthorizeByPersonalAccessTokenHeader(&kipu.AuthorizeByPersonalAccessTokenParams{XAuthToken: token})),
		kipuPrincipalAnswer)
}

// GetUserByID returns the public overview of a user.
func (k *Kipu) GetUserByID(ctx context.Context, id string, opts ...CallOption) (*kipu.UserOverviewDto, *Response, error) {
	const op = "getUserById"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, nil, err
	}
	return sendResult(ctx, k.c, op, public(opts),
		get(kipu.GetUserByIDPath(id)),
		jsonOK[kipu.UserOverviewDto])
}

// CheckUserExists reports whether a user exists (HEAD /users/{id}): false
// only on 404; any other failure is an error.
func (k *Kipu) CheckUserExists(ctx context.Context, id string, opts ...CallOption) (bool, *Response, error) {
	const op = "checkUserExists"
	if err := checkPathParam(op, "id", id); err != nil {
		return false, nil, err
	}
	_, resp, err := send(ctx, k.c, op, public(opts),
		head(kipu.CheckUserExistsPath(id)),
		discard)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		return false, resp, nil
	}
	if err != nil {
		return false, resp, err
	}
	if _, err := expectStatus(k.c, op, resp, http.StatusOK); err != nil {
		return false, resp, err
	}
	return true, resp, nil
}

// GetUserProfileImage returns a user's profile image as the service's SDK
// promises it: a nullable string, here a data: URI
// ("data:image/png;base64,..."; see api/kipu.yaml), or nil with no error
// when the user has no image. An unknown user is an *APIError matching
// ErrNotFound. Decode the bytes with ParseDataURI.
func (k *Kipu) GetUserProfileImage(ctx context.Context, id string, opts ...CallOption) (*string, *Response, error) {
	const op = "getUserProfileImage"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, nil, err
	}
	_, resp, err := send(ctx, k.c, op, public(opts),
		get(kipu.GetUserProfileImagePath(id)),
		// The generated parser types the body as a plain string and
		// cannot hold null: the body is read here instead.
		func(*http.Response) (struct{}, error) { return struct{}{}, nil })
	if err != nil {
		return nil, resp, err
	}
	if _, err := expectStatus(k.c, op, resp, http.StatusOK); err != nil {
		return nil, resp, err
	}
	body := bytes.TrimSpace(resp.RawBody)
	if len(body) == 0 || string(body) == "null" {
		return nil, resp, nil // no image: the empty body springdoc sends for null, or JSON null
	}
	var img string
	if err := json.Unmarshal(body, &img); err != nil {
		return nil, resp, k.c.decodeErr(op, resp, fmt.Errorf("profile image is not a JSON string or null: %w", err))
	}
	return &img, resp, nil
}

// ParseDataURI splits an RFC 2397 data: URI with base64 data, such as
// GetUserProfileImage returns, into its media type and bytes.
func ParseDataURI(uri string) (mediaType string, data []byte, err error) {
	rest, ok := strings.CutPrefix(uri, "data:")
	if !ok {
		return "", nil, errors.New("not a data: URI")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, errors.New("data: URI without a comma")
	}
	mediaType, ok = strings.CutSuffix(meta, ";base64")
	if !ok {
		return "", nil, errors.New("data: URI is not base64")
	}
	if mediaType == "" {
		mediaType = "text/plain;charset=US-ASCII" // RFC 2397's default
	}
	data, err = base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", nil, fmt.Errorf("data: URI payload: %w", err)
	}
	return mediaType, data, nil
}

// GetUserRegistrationStatus returns the registration state for an email
// (public). An unknown email is status NOT_FOUND, not an error.
func (k *Kipu) GetUserRegistrationStatus(ctx context.Context, email string, opts ...CallOption) (*kipu.RegistrationResponse, *Response, error) {
	const op = "getUserRegistrationStatus"
	if strings.TrimSpace(email) == "" {
		return nil, nil, &ParamError{Operation: op, Param: "email", Reason: "must not be empty"}
	}
	return sendResult(ctx, k.c, op, public(opts),
		get(kipu.GetUserRegistrationStatusPath(&kipu.GetUserRegistrationStatusParams{Email: email})),
		jsonOK[kipu.RegistrationResponse])
}

// SearchUsers searches first name, last name, username and email for q
// (case-insensitive substring). The result may be empty, never nil.
func (k *Kipu) SearchUsers(ctx context.Context, q string, opts ...CallOption) ([]kipu.UserSearchDto, *Response, error) {
	const op = "searchUsers"
	if strings.TrimSpace(q) == "" {
		return nil, nil, &ParamError{Operation: op, Param: "q", Reason: "must not be empty"}
	}
	list, resp, err := sendResult(ctx, k.c, op, opts,
		get(kipu.SearchUsersPath(&kipu.SearchUsersParams{Q: q})),
		jsonOK[[]kipu.UserSearchDto])
	if err != nil {
		return nil, resp, err
	}
	if *list == nil {
		return []kipu.UserSearchDto{}, resp, nil
	}
	return *list, resp, nil
}
