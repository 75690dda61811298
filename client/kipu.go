package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/userapis/userapis-go/gen/kipu"
)

// KipuDefaultBaseURL is the public Kipu Quantum Hub user-service.
const KipuDefaultBaseURL = "https://api.hub.kipu-quantum.com/user-service"

// ErrNoProfileImage is returned by GetUserProfileImage when the user exists
// but has no profile image (204).
var ErrNoProfileImage = errors.New("user has no profile image")

// Kipu is a client for the Kipu Quantum Hub user-service (api/kipu.yaml).
// Authenticated operations send the personal access token given with
// WithPersonalAccessToken as X-Auth-Token; the public ones (users,
// registration status, token resolution) send no credential.
type Kipu struct{ c *core }

// NewKipu returns a Kipu client. The base URL defaults to
// KipuDefaultBaseURL; WithBaseURL replaces it whole (include the service
// path, as in http://127.0.0.1:8080/user-service).
func NewKipu(opts ...Option) (*Kipu, error) {
	c, err := newCore("kipu", KipuDefaultBaseURL, "", opts)
	if err != nil {
		return nil, err
	}
	c.authorize = func(_ context.Context, req *http.Request, cfg *config) error {
		if cfg.token == "" {
			return &authError{service: "kipu", err: fmt.Errorf("%w: this operation needs a personal access token (WithPersonalAccessToken)", ErrNotAuthenticated)}
		}
		req.Header.Set("X-Auth-Token", cfg.token)
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
	return &Kipu{c: c}, nil
}

// public marks an operation that needs no credential.
func public(opts []Option) []Option { return append([]Option{WithoutAuth()}, opts...) }

// authAttempt marks a credential-checking call behind the server's auth
// rate limiter (a login, a password reset): a 429 is returned with its
// Retry-After instead of slept through, since every refused attempt
// lengthens the lock-out.
func authAttempt(opts []Option) []Option {
	return append([]Option{WithoutAuth(), func(c *config) { c.authAttempt = true }}, opts...)
}

// GetCurrentUser returns the authenticated user's profile (GET /me). The
// service provisions the user from its identity provider on first call.
func (k *Kipu) GetCurrentUser(ctx context.Context, opts ...Option) (*kipu.UserDto, *Response, error) {
	const op = "getCurrentUser"
	return sendResult(ctx, k.c, op, opts,
		kipu.NewGetCurrentUserRequest,
		jsonOK[kipu.UserDto])
}

// UpdateCurrentUser replaces the editable profile fields (PUT /me): fields
// left nil are cleared. Email and names belong to the identity provider.
func (k *Kipu) UpdateCurrentUser(ctx context.Context, body kipu.UpdateUserRequest, opts ...Option) (*kipu.UserDto, *Response, error) {
	const op = "updateCurrentUser"
	return sendResult(ctx, k.c, op, opts,
		func(s string) (*http.Request, error) { return kipu.NewUpdateCurrentUserRequest(s, body) },
		jsonOK[kipu.UserDto])
}

// DeleteCurrentUser deletes the authenticated user's account (DELETE /me).
func (k *Kipu) DeleteCurrentUser(ctx context.Context, opts ...Option) (*Response, error) {
	const op = "deleteCurrentUser"
	return sendEmpty(ctx, k.c, op, opts,
		kipu.NewDeleteCurrentUserRequest,
		http.StatusNoContent)
}

// UpdateCurrentUserProfileImage uploads a new profile image read from img
// (PUT /me/profile-image, multipart field "file"). The content type is
// sniffed from the data; filename is what the server is told.
func (k *Kipu) UpdateCurrentUserProfileImage(ctx context.Context, filename string, img io.Reader, opts ...Option) (*Response, error) {
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
		func(s string) (*http.Request, error) {
			return kipu.NewUpdateCurrentUserProfileImageRequestWithBody(s, mw.FormDataContentType(), bytes.NewReader(body))
		},
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
func (k *Kipu) DeleteCurrentUserProfileImage(ctx context.Context, opts ...Option) (*Response, error) {
	const op = "deleteCurrentUserProfileImage"
	return sendEmpty(ctx, k.c, op, opts,
		kipu.NewDeleteCurrentUserProfileImageRequest,
		http.StatusNoContent)
}

// GetPersonalAccessTokens lists the user's tokens. Raw token values are
// never returned here, only at creation.
func (k *Kipu) GetPersonalAccessTokens(ctx context.Context, opts ...Option) (*kipu.AccessTokensDto, *Response, error) {
	const op = "getPersonalAccessTokens"
	return sendResult(ctx, k.c, op, opts,
		kipu.NewGetPersonalAccessTokensRequest,
		jsonOK[kipu.AccessTokensDto])
}

// CreatePersonalAccessToken creates a token; the result's Value holds the
// raw token, which the service shows only this once.
func (k *Kipu) CreatePersonalAccessToken(ctx context.Context, body kipu.CreateAccessTokenRequest, opts ...Option) (*kipu.AccessTokenDto, *Response, error) {
	const op = "createPersonalAccessToken"
	return sendResult(ctx, k.c, op, opts,
		func(s string) (*http.Request, error) { return kipu.NewCreatePersonalAccessTokenRequest(s, body) },
		jsonOK[kipu.AccessTokenDto])
}

// DeletePersonalAccessToken revokes the token with the given id.
func (k *Kipu) DeletePersonalAccessToken(ctx context.Context, id string, opts ...Option) (*Response, error) {
	const op = "deletePersonalAccessToken"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, k.c, op, opts,
		func(s string) (*http.Request, error) { return kipu.NewDeletePersonalAccessTokenRequest(s, id) },
		http.StatusNoContent)
}

// RegenerateDefaultPersonalAccessToken replaces the default token and
// returns its new raw value. The old default token stops working, so a
// client authenticated with it must switch (see WithPersonalAccessToken).
func (k *Kipu) RegenerateDefaultPersonalAccessToken(ctx context.Context, opts ...Option) (*kipu.DefaultAccessTokenDto, *Response, error) {
	const op = "regenerateDefaultPersonalAccessToken"
	return sendResult(ctx, k.c, op, opts,
		kipu.NewRegenerateDefaultPersonalAccessTokenRequest,
		jsonOK[kipu.DefaultAccessTokenDto])
}

// AuthorizeByPersonalAccessToken resolves token into the principal that
// owns it (public; the token travels as X-Auth-Token).
func (k *Kipu) AuthorizeByPersonalAccessToken(ctx context.Context, token string, opts ...Option) (*kipu.PersonalAccessTokenPrincipal, *Response, error) {
	const op = "authorizeByPersonalAccessToken"
	if token == "" {
		return nil, nil, &ParamError{Operation: op, Param: "token", Reason: "must not be empty"}
	}
	return sendResult(ctx, k.c, op, public(opts),
		func(s string) (*http.Request, error) {
			return kipu.NewAuthorizeByPersonalAccessTokenRequest(s, &kipu.AuthorizeByPersonalAccessTokenParams{XAuthToken: token})
		},
		jsonOK[kipu.PersonalAccessTokenPrincipal])
}

// GetUserByID returns the public overview of a user.
func (k *Kipu) GetUserByID(ctx context.Context, id string, opts ...Option) (*kipu.UserOverviewDto, *Response, error) {
	const op = "getUserById"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, nil, err
	}
	return sendResult(ctx, k.c, op, public(opts),
		func(s string) (*http.Request, error) { return kipu.NewGetUserByIdRequest(s, id) },
		jsonOK[kipu.UserOverviewDto])
}

// CheckUserExists reports whether a user exists (HEAD /users/{id}): false
// only on 404; any other failure is an error.
func (k *Kipu) CheckUserExists(ctx context.Context, id string, opts ...Option) (bool, *Response, error) {
	const op = "checkUserExists"
	if err := checkPathParam(op, "id", id); err != nil {
		return false, nil, err
	}
	_, resp, err := send(ctx, k.c, op, public(opts),
		func(s string) (*http.Request, error) { return kipu.NewCheckUserExistsRequest(s, id) },
		kipu.ParseCheckUserExistsResponse)
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

// ProfileImage is an image as the service sent it.
type ProfileImage struct {
	ContentType string
	Data        []byte
}

// GetUserProfileImage downloads a user's profile image. A user without one
// gives ErrNoProfileImage; an unknown user an *APIError with ErrNotFound.
func (k *Kipu) GetUserProfileImage(ctx context.Context, id string, opts ...Option) (*ProfileImage, *Response, error) {
	const op = "getUserProfileImage"
	if err := checkPathParam(op, "id", id); err != nil {
		return nil, nil, err
	}
	r, resp, err := send(ctx, k.c, op, public(opts),
		func(s string) (*http.Request, error) { return kipu.NewGetUserProfileImageRequest(s, id) },
		kipu.ParseGetUserProfileImageResponse)
	if err != nil {
		return nil, resp, err
	}
	switch resp.StatusCode {
	case http.StatusNoContent:
		return nil, resp, fmt.Errorf("kipu %s: %w", op, ErrNoProfileImage)
	case http.StatusOK:
		ct := resp.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "image/") && !strings.HasPrefix(ct, "application/octet-stream") {
			return nil, resp, k.c.decodeErr(op, resp, fmt.Errorf("content type %q is not an image", ct))
		}
		return &ProfileImage{ContentType: ct, Data: r.Body}, resp, nil
	}
	return nil, resp, k.c.decodeErr(op, resp, fmt.Errorf("undocumented status %d", resp.StatusCode))
}

// GetUserRegistrationStatus returns the registration state for an email
// (public). An unknown email is status NOT_FOUND, not an error.
func (k *Kipu) GetUserRegistrationStatus(ctx context.Context, email string, opts ...Option) (*kipu.RegistrationResponse, *Response, error) {
	const op = "getUserRegistrationStatus"
	if strings.TrimSpace(email) == "" {
		return nil, nil, &ParamError{Operation: op, Param: "email", Reason: "must not be empty"}
	}
	return sendResult(ctx, k.c, op, public(opts),
		func(s string) (*http.Request, error) {
			return kipu.NewGetUserRegistrationStatusRequest(s, &kipu.GetUserRegistrationStatusParams{Email: email})
		},
		jsonOK[kipu.RegistrationResponse])
}

// SearchUsers searches first name, last name, username and email for q
// (case-insensitive substring). The result may be empty, never nil.
func (k *Kipu) SearchUsers(ctx context.Context, q string, opts ...Option) ([]kipu.UserSearchDto, *Response, error) {
	const op = "searchUsers"
	if strings.TrimSpace(q) == "" {
		return nil, nil, &ParamError{Operation: op, Param: "q", Reason: "must not be empty"}
	}
	list, resp, err := sendResult(ctx, k.c, op, opts,
		func(s string) (*http.Request, error) {
			return kipu.NewSearchUsersRequest(s, &kipu.SearchUsersParams{Q: q})
		},
		jsonOK[[]kipu.UserSearchDto])
	if err != nil {
		return nil, resp, err
	}
	if *list == nil {
		return []kipu.UserSearchDto{}, resp, nil
	}
	return *list, resp, nil
}
