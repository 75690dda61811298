package fake

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/userapis/userapis-go/gen/kipu"
)

// kipuMaxImage is the largest profile image accepted (Spring's default
// multipart max-file-size is 1 MB; the fake is more generous).
const kipuMaxImage = 5 << 20

// kipuErr maps a store error to its status and the service's error body.
func (f *KipuFake) kipuErr(ctx context.Context, err error) (int, kipu.ErrorResponse) {
	status, msg := http.StatusInternalServerError, err.Error()
	switch {
	case errors.Is(err, errKipuInvalid):
		status, msg = http.StatusBadRequest, strings.TrimPrefix(msg, errKipuInvalid.Error()+": ")
	case errors.Is(err, errKipuUnauthenticated):
		status = http.StatusUnauthorized
	case errors.Is(err, errKipuNotProvisioned), errors.Is(err, errKipuForbidden):
		status = http.StatusForbidden
	case errors.Is(err, errKipuUserNotFound), errors.Is(err, errKipuTokenNotFound):
		status = http.StatusNotFound
	}
	path, _ := ctx.Value(kipuPathKey{}).(string)
	if path == "" {
		path = KipuBasePath
	}
	return status, f.errorResponse(status, msg, path)
}

// kipuCaller returns the authenticated identity's id, or the store error
// for a request that somehow has none.
func kipuCaller(ctx context.Context) (string, error) {
	p, ok := ctx.Value(kipuPrincipalKey{}).(kipuPrincipal)
	if !ok {
		return "", errKipuUnauthenticated
	}
	return p.userID, nil
}

// GetCurrentUser returns the caller's profile, provisioning it on first call.
func (f *KipuFake) GetCurrentUser(ctx context.Context, _ kipu.GetCurrentUserRequestObject) (kipu.GetCurrentUserResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var u kipu.UserDto
		if u, err = f.store.currentUser(id); err == nil {
			return kipu.GetCurrentUser200JSONResponse(u), nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.GetCurrentUser401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.GetCurrentUser403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// UpdateCurrentUser replaces the caller's editable profile fields.
func (f *KipuFake) UpdateCurrentUser(ctx context.Context, req kipu.UpdateCurrentUserRequestObject) (kipu.UpdateCurrentUserResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var u kipu.UserDto
		if u, err = f.store.updateProfile(id, *req.Body); err == nil {
			return kipu.UpdateCurrentUser200JSONResponse(u), nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusBadRequest:
		return kipu.UpdateCurrentUser400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	case http.StatusUnauthorized:
		return kipu.UpdateCurrentUser401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.UpdateCurrentUser403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// DeleteCurrentUser removes the caller with its tokens, image and identity.
func (f *KipuFake) DeleteCurrentUser(ctx context.Context, _ kipu.DeleteCurrentUserRequestObject) (kipu.DeleteCurrentUserResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		if err = f.store.deleteUser(id); err == nil {
			return kipu.DeleteCurrentUser204Response{}, nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.DeleteCurrentUser401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.DeleteCurrentUser403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// UpdateCurrentUserProfileImage stores the multipart part "file" with its
// content type (sniffed when the part has none or a generic one).
func (f *KipuFake) UpdateCurrentUserProfileImage(ctx context.Context, req kipu.UpdateCurrentUserProfileImageRequestObject) (kipu.UpdateCurrentUserProfileImageResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var data []byte
		var ct string
		if data, ct, err = kipuReadImage(req.Body); err == nil {
			err = f.store.setImage(id, data, ct)
		}
		if err == nil {
			return kipu.UpdateCurrentUserProfileImage204Response{}, nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusBadRequest:
		return kipu.UpdateCurrentUserProfileImage400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	case http.StatusUnauthorized:
		return kipu.UpdateCurrentUserProfileImage401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.UpdateCurrentUserProfileImage403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// kipuReadImage returns the bytes and content type of the part "file".
func kipuReadImage(mr *multipart.Reader) ([]byte, string, error) {
	if mr == nil {
		return nil, "", fmt.Errorf("%w: Required part 'file' is not present.", errKipuInvalid)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", fmt.Errorf("%w: Required part 'file' is not present.", errKipuInvalid)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w: unreadable multipart body: %v", errKipuInvalid, err)
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, kipuMaxImage+1))
		_ = part.Close()
		switch {
		case err != nil:
			return nil, "", fmt.Errorf("%w: file: unreadable: %v", errKipuInvalid, err)
		case len(data) == 0:
			return nil, "", fmt.Errorf("%w: file: must not be empty", errKipuInvalid)
		case len(data) > kipuMaxImage:
			return nil, "", fmt.Errorf("%w: Maximum upload size exceeded", errKipuInvalid)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct == "" || ct == "application/octet-stream" {
			ct, _, _ = mime.ParseMediaType(http.DetectContentType(data))
		}
		return data, ct, nil
	}
}

// DeleteCurrentUserProfileImage removes the caller's image (idempotent).
func (f *KipuFake) DeleteCurrentUserProfileImage(ctx context.Context, _ kipu.DeleteCurrentUserProfileImageRequestObject) (kipu.DeleteCurrentUserProfileImageResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		if err = f.store.deleteImage(id); err == nil {
			return kipu.DeleteCurrentUserProfileImage204Response{}, nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.DeleteCurrentUserProfileImage401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.DeleteCurrentUserProfileImage403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// GetPersonalAccessTokens lists the caller's tokens (no raw values) and the
// raw value of the current default token.
func (f *KipuFake) GetPersonalAccessTokens(ctx context.Context, _ kipu.GetPersonalAccessTokensRequestObject) (kipu.GetPersonalAccessTokensResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var list kipu.AccessTokensDto
		if list, err = f.store.listTokens(id); err == nil {
			return kipu.GetPersonalAccessTokens200JSONResponse(list), nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.GetPersonalAccessTokens401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.GetPersonalAccessTokens403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// CreatePersonalAccessToken creates a token and returns its raw value once.
func (f *KipuFake) CreatePersonalAccessToken(ctx context.Context, req kipu.CreatePersonalAccessTokenRequestObject) (kipu.CreatePersonalAccessTokenResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var t kipu.AccessTokenDto
		if t, err = f.store.createToken(id, *req.Body, f.now()); err == nil {
			return kipu.CreatePersonalAccessToken200JSONResponse(t), nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusBadRequest:
		return kipu.CreatePersonalAccessToken400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	case http.StatusUnauthorized:
		return kipu.CreatePersonalAccessToken401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.CreatePersonalAccessToken403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// RegenerateDefaultPersonalAccessToken replaces the caller's default token;
// the previous value stops working.
func (f *KipuFake) RegenerateDefaultPersonalAccessToken(ctx context.Context, _ kipu.RegenerateDefaultPersonalAccessTokenRequestObject) (kipu.RegenerateDefaultPersonalAccessTokenResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		var v string
		if v, err = f.store.regenerateDefault(id, f.now()); err == nil {
			return kipu.RegenerateDefaultPersonalAccessToken200JSONResponse{DefaultToken: v}, nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.RegenerateDefaultPersonalAccessToken401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.RegenerateDefaultPersonalAccessToken403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}

// DeletePersonalAccessToken deletes one of the caller's tokens: 403 for a
// token of another user, 404 for an unknown id.
func (f *KipuFake) DeletePersonalAccessToken(ctx context.Context, req kipu.DeletePersonalAccessTokenRequestObject) (kipu.DeletePersonalAccessTokenResponseObject, error) {
	id, err := kipuCaller(ctx)
	if err == nil {
		if err = f.store.deleteToken(id, req.Id); err == nil {
			return kipu.DeletePersonalAccessToken204Response{}, nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusUnauthorized:
		return kipu.DeletePersonalAccessToken401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.DeletePersonalAccessToken403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	case http.StatusNotFound:
		return kipu.DeletePersonalAccessToken404JSONResponse{NotFoundJSONResponse: kipu.NotFoundJSONResponse(e)}, nil
	}
	return nil, err
}

// AuthorizeByPersonalAccessToken resolves the X-Auth-Token header into its
// principal (public); an unknown, deleted or expired token is 401. As any
// authentication, it sets the token's usedAt.
func (f *KipuFake) AuthorizeByPersonalAccessToken(ctx context.Context, req kipu.AuthorizeByPersonalAccessTokenRequestObject) (kipu.AuthorizeByPersonalAccessTokenResponseObject, error) {
	p, err := f.store.authenticate(req.Params.XAuthToken, f.now())
	if err == nil {
		t := p.token
		return kipu.AuthorizeByPersonalAccessToken200JSONResponse{Id: p.userID, AccessToken: &t}, nil
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusBadRequest:
		return kipu.AuthorizeByPersonalAccessToken400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	case http.StatusUnauthorized:
		return kipu.AuthorizeByPersonalAccessToken401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	}
	return nil, err
}

// GetUserById returns the public overview of a provisioned user.
func (f *KipuFake) GetUserById(ctx context.Context, req kipu.GetUserByIdRequestObject) (kipu.GetUserByIdResponseObject, error) {
	u, err := f.store.overview(req.Id)
	if err == nil {
		return kipu.GetUserById200JSONResponse(u), nil
	}
	if status, e := f.kipuErr(ctx, err); status == http.StatusNotFound {
		return kipu.GetUserById404JSONResponse{NotFoundJSONResponse: kipu.NotFoundJSONResponse(e)}, nil
	}
	return nil, err
}

// CheckUserExists answers 200 for a provisioned user, 404 otherwise.
func (f *KipuFake) CheckUserExists(_ context.Context, req kipu.CheckUserExistsRequestObject) (kipu.CheckUserExistsResponseObject, error) {
	if f.store.exists(req.Id) {
		return kipu.CheckUserExists200Response{}, nil
	}
	return kipu.CheckUserExists404Response{}, nil
}

// kipuNoImage is getUserProfileImage's answer for a user without an image:
// 200 with the JSON null the document's nullable string allows (the
// generated response type, a plain string, cannot say null).
type kipuNoImage struct{}

func (kipuNoImage) VisitGetUserProfileImageResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, "null\n")
	return err
}

// GetUserProfileImage returns a user's image as the seed SDK promises a
// nullable string: a data: URI (media type and base64 bytes), or null for
// a user without an image; 404 for an unknown user.
func (f *KipuFake) GetUserProfileImage(ctx context.Context, req kipu.GetUserProfileImageRequestObject) (kipu.GetUserProfileImageResponseObject, error) {
	data, ct, err := f.store.image(req.Id)
	switch {
	case err == nil:
		if ct == "" {
			ct = "application/octet-stream"
		}
		return kipu.GetUserProfileImage200JSONResponse("data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)), nil
	case errors.Is(err, errKipuNoImage):
		return kipuNoImage{}, nil
	}
	if status, e := f.kipuErr(ctx, err); status == http.StatusNotFound {
		return kipu.GetUserProfileImage404JSONResponse{NotFoundJSONResponse: kipu.NotFoundJSONResponse(e)}, nil
	}
	return nil, err
}

// GetUserRegistrationStatus answers the registration status of an email;
// an unknown one is NOT_FOUND.
func (f *KipuFake) GetUserRegistrationStatus(ctx context.Context, req kipu.GetUserRegistrationStatusRequestObject) (kipu.GetUserRegistrationStatusResponseObject, error) {
	r, err := f.store.registration(req.Params.Email)
	if err == nil {
		msg := r.message
		return kipu.GetUserRegistrationStatus200JSONResponse{Status: r.status, Message: &msg}, nil
	}
	if status, e := f.kipuErr(ctx, err); status == http.StatusBadRequest {
		return kipu.GetUserRegistrationStatus400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	}
	return nil, err
}

// SearchUsers matches q case-insensitively against first name, last name,
// username and email of every provisioned user.
func (f *KipuFake) SearchUsers(ctx context.Context, req kipu.SearchUsersRequestObject) (kipu.SearchUsersResponseObject, error) {
	_, err := kipuCaller(ctx)
	if err == nil {
		var hits []kipu.UserSearchDto
		if hits, err = f.store.search(req.Params.Q); err == nil {
			return kipu.SearchUsers200JSONResponse(hits), nil
		}
	}
	switch status, e := f.kipuErr(ctx, err); status {
	case http.StatusBadRequest:
		return kipu.SearchUsers400JSONResponse{BadRequestJSONResponse: kipu.BadRequestJSONResponse(e)}, nil
	case http.StatusUnauthorized:
		return kipu.SearchUsers401JSONResponse{UnauthorizedJSONResponse: kipu.UnauthorizedJSONResponse(e)}, nil
	case http.StatusForbidden:
		return kipu.SearchUsers403JSONResponse{ForbiddenJSONResponse: kipu.ForbiddenJSONResponse(e)}, nil
	}
	return nil, err
}
