package kipufake

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/kipu/kipuserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// maxImage is the largest profile image accepted (Spring's default
// multipart max-file-size is 1 MB; the fake is more generous).
const maxImage = 5 << 20

// renderError writes a handler's error as Spring Boot's error body with
// the status the store's *fakekit.Error carries (500 for anything else).
func (f *Fake) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := fakekit.AsError(err)
	f.writeError(w, e.Status, e.Message, r.URL.Path)
}

// callerOf returns the authenticated identity's id, or the store error
// for a request that somehow has none.
func callerOf(ctx context.Context) (string, error) {
	p, ok := ctx.Value(principalKey{}).(principal)
	if !ok {
		return "", errUnauthenticated
	}
	return p.userID, nil
}

// GetCurrentUser returns the caller's profile, provisioning it on first call.
func (f *Fake) GetCurrentUser(ctx context.Context, _ kipuserver.GetCurrentUserRequestObject) (kipuserver.GetCurrentUserResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var u kipu.UserDto
		if u, err = f.store.currentUser(id); err == nil {
			return kipuserver.GetCurrentUser200JSONResponse(u), nil
		}
	}
	return nil, err
}

// UpdateCurrentUser replaces the caller's editable profile fields.
func (f *Fake) UpdateCurrentUser(ctx context.Context, req kipuserver.UpdateCurrentUserRequestObject) (kipuserver.UpdateCurrentUserResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var u kipu.UserDto
		if u, err = f.store.updateProfile(id, *req.Body); err == nil {
			return kipuserver.UpdateCurrentUser200JSONResponse(u), nil
		}
	}
	return nil, err
}

// DeleteCurrentUser removes the caller with its tokens, image and identity.
func (f *Fake) DeleteCurrentUser(ctx context.Context, _ kipuserver.DeleteCurrentUserRequestObject) (kipuserver.DeleteCurrentUserResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		if err = f.store.deleteUser(id); err == nil {
			return kipuserver.DeleteCurrentUser204Response{}, nil
		}
	}
	return nil, err
}

// UpdateCurrentUserProfileImage stores the multipart part "file" with its
// content type (sniffed when the part has none or a generic one).
func (f *Fake) UpdateCurrentUserProfileImage(ctx context.Context, req kipuserver.UpdateCurrentUserProfileImageRequestObject) (kipuserver.UpdateCurrentUserProfileImageResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var data []byte
		var ct string
		if data, ct, err = readImage(req.Body); err == nil {
			err = f.store.setImage(id, data, ct)
		}
		if err == nil {
			return kipuserver.UpdateCurrentUserProfileImage204Response{}, nil
		}
	}
	return nil, err
}

// readImage returns the bytes and content type of the part "file".
func readImage(mr *multipart.Reader) ([]byte, string, error) {
	if mr == nil {
		return nil, "", invalidf("Required part 'file' is not present.")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", invalidf("Required part 'file' is not present.")
		}
		if err != nil {
			return nil, "", invalidf("unreadable multipart body: %v", err)
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxImage+1))
		_ = part.Close()
		switch {
		case err != nil:
			return nil, "", invalidf("file: unreadable: %v", err)
		case len(data) == 0:
			return nil, "", invalidf("file: must not be empty")
		case len(data) > maxImage:
			return nil, "", invalidf("Maximum upload size exceeded")
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct == "" || ct == "application/octet-stream" {
			ct, _, _ = mime.ParseMediaType(http.DetectContentType(data))
		}
		return data, ct, nil
	}
}

// DeleteCurrentUserProfileImage removes the caller's image (idempotent).
func (f *Fake) DeleteCurrentUserProfileImage(ctx context.Context, _ kipuserver.DeleteCurrentUserProfileImageRequestObject) (kipuserver.DeleteCurrentUserProfileImageResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		if err = f.store.deleteImage(id); err == nil {
			return kipuserver.DeleteCurrentUserProfileImage204Response{}, nil
		}
	}
	return nil, err
}

// GetPersonalAccessTokens lists the caller's tokens (no raw values) and the
// raw value of the current default token.
func (f *Fake) GetPersonalAccessTokens(ctx context.Context, _ kipuserver.GetPersonalAccessTokensRequestObject) (kipuserver.GetPersonalAccessTokensResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var list kipu.AccessTokensDto
		if list, err = f.store.listTokens(id); err == nil {
			return kipuserver.GetPersonalAccessTokens200JSONResponse(list), nil
		}
	}
	return nil, err
}

// CreatePersonalAccessToken creates a token and returns its raw value once.
func (f *Fake) CreatePersonalAccessToken(ctx context.Context, req kipuserver.CreatePersonalAccessTokenRequestObject) (kipuserver.CreatePersonalAccessTokenResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var t kipu.AccessTokenDto
		if t, err = f.store.createToken(id, *req.Body, f.now()); err == nil {
			return kipuserver.CreatePersonalAccessToken200JSONResponse(t), nil
		}
	}
	return nil, err
}

// RegenerateDefaultPersonalAccessToken replaces the caller's default token;
// the previous value stops working.
func (f *Fake) RegenerateDefaultPersonalAccessToken(ctx context.Context, _ kipuserver.RegenerateDefaultPersonalAccessTokenRequestObject) (kipuserver.RegenerateDefaultPersonalAccessTokenResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		var v string
		if v, err = f.store.regenerateDefault(id, f.now()); err == nil {
			return kipuserver.RegenerateDefaultPersonalAccessToken200JSONResponse{DefaultToken: v}, nil
		}
	}
	return nil, err
}

// DeletePersonalAccessToken deletes one of the caller's tokens: 403 for a
// token of another user, 404 for an unknown id.
func (f *Fake) DeletePersonalAccessToken(ctx context.Context, req kipuserver.DeletePersonalAccessTokenRequestObject) (kipuserver.DeletePersonalAccessTokenResponseObject, error) {
	id, err := callerOf(ctx)
	if err == nil {
		if err = f.store.deleteToken(id, req.ID); err == nil {
			return kipuserver.DeletePersonalAccessToken204Response{}, nil
		}
	}
	return nil, err
}

// AuthorizeByPersonalAccessToken resolves the X-Auth-Token header into its
// principal (public); an unknown, deleted or expired token is 401. As any
// authentication, it sets the token's usedAt.
func (f *Fake) AuthorizeByPersonalAccessToken(ctx context.Context, req kipuserver.AuthorizeByPersonalAccessTokenRequestObject) (kipuserver.AuthorizeByPersonalAccessTokenResponseObject, error) {
	p, err := f.store.authenticate(req.Params.XAuthToken, f.now())
	if err == nil {
		t := p.token
		return kipuserver.AuthorizeByPersonalAccessToken200JSONResponse{ID: p.userID, AccessToken: &t}, nil
	}
	return nil, err
}

// GetUserByID returns the public overview of a provisioned user.
func (f *Fake) GetUserByID(ctx context.Context, req kipuserver.GetUserByIDRequestObject) (kipuserver.GetUserByIDResponseObject, error) {
	u, err := f.store.overview(req.ID)
	if err == nil {
		return kipuserver.GetUserByID200JSONResponse(u), nil
	}
	return nil, err
}

// CheckUserExists answers 200 for a provisioned user, 404 otherwise.
func (f *Fake) CheckUserExists(_ context.Context, req kipuserver.CheckUserExistsRequestObject) (kipuserver.CheckUserExistsResponseObject, error) {
	if f.store.exists(req.ID) {
		return kipuserver.CheckUserExists200Response{}, nil
	}
	return kipuserver.CheckUserExists404Response{}, nil
}

// noImage is getUserProfileImage's answer for a user without an image:
// 200 with the JSON null the document's nullable string allows (the
// generated response type, a plain string, cannot say null).
type noImage struct{}

func (noImage) VisitGetUserProfileImageResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, "null\n")
	return err
}

// GetUserProfileImage returns a user's image as the seed SDK promises a
// nullable string: a data: URI (media type and base64 bytes), or null for
// a user without an image; 404 for an unknown user.
func (f *Fake) GetUserProfileImage(ctx context.Context, req kipuserver.GetUserProfileImageRequestObject) (kipuserver.GetUserProfileImageResponseObject, error) {
	data, ct, err := f.store.image(req.ID)
	switch {
	case err == nil:
		if ct == "" {
			ct = "application/octet-stream"
		}
		return kipuserver.GetUserProfileImage200JSONResponse("data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)), nil
	case errors.Is(err, errNoImage):
		return noImage{}, nil
	}
	return nil, err
}

// GetUserRegistrationStatus answers the registration status of an email;
// an unknown one is NOT_FOUND.
func (f *Fake) GetUserRegistrationStatus(ctx context.Context, req kipuserver.GetUserRegistrationStatusRequestObject) (kipuserver.GetUserRegistrationStatusResponseObject, error) {
	r, err := f.store.registration(req.Params.Email)
	if err == nil {
		msg := r.message
		return kipuserver.GetUserRegistrationStatus200JSONResponse{Status: r.status, Message: &msg}, nil
	}
	return nil, err
}

// SearchUsers matches q case-insensitively against first name, last name,
// username and email of every provisioned user.
func (f *Fake) SearchUsers(ctx context.Context, req kipuserver.SearchUsersRequestObject) (kipuserver.SearchUsersResponseObject, error) {
	_, err := callerOf(ctx)
	if err == nil {
		var hits []kipu.UserSearchDto
		if hits, err = f.store.search(req.Params.Q); err == nil {
			return kipuserver.SearchUsers200JSONResponse(hits), nil
		}
	}
	return nil, err
}
