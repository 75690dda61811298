package fake

import (
	"context"
	"errors"

	"github.com/userapis/userapis-go/gen/vectara"
)

// This file holds the strict-server methods of the Vectara fake: each locks
// the store, calls it, and maps its result or domain error to the generated
// response type. Authentication has already happened in the middleware.

const vectaraOneTimeCodeLink = "https://console.vectara.com/one-time-code"

// vectaraUserNotFound is the 404 body for an unknown username.
func (f *VectaraFake) vectaraUserNotFound(username string) vectara.NotFoundError {
	return f.notFoundShape(username, "User not found.")
}

// vectaraBadRequest is the 400 body for a store validation error.
func (f *VectaraFake) vectaraBadRequest(err error) vectara.BadRequestError {
	var inv *vectaraInvalidError
	if errors.As(err, &inv) {
		return f.badRequestShape(inv.fields, inv.msg)
	}
	return f.badRequestShape(nil, err.Error())
}

// ListUsers returns one page of users ordered by username (GET /v2/users).
func (f *VectaraFake) ListUsers(_ context.Context, req vectara.ListUsersRequestObject) (vectara.ListUsersResponseObject, error) {
	limit := 10
	if req.Params.Limit != nil {
		limit = int(*req.Params.Limit)
	}
	if limit < 1 || limit > 100 {
		return vectara.ListUsers400JSONResponse(f.badRequestShape(map[string]string{"limit": "must be between 1 and 100"}, "Request failed validation.")), nil
	}
	corpus, pageKey := "", ""
	if req.Params.CorpusKey != nil {
		corpus = *req.Params.CorpusKey
	}
	if req.Params.PageKey != nil {
		pageKey = *req.Params.PageKey
	}
	f.mu.Lock()
	page, next, err := f.listUsers(corpus, limit, pageKey)
	users := make([]vectara.User, len(page))
	for i, u := range page {
		users[i] = u.toAPI()
	}
	f.mu.Unlock()
	switch {
	case errors.Is(err, errVectaraCorpusNotFound):
		return vectara.ListUsers404JSONResponse(f.notFoundShape(corpus, "Corpus not found.")), nil
	case err != nil:
		return vectara.ListUsers400JSONResponse(f.vectaraBadRequest(err)), nil
	}
	out := vectara.ListUsers200JSONResponse{Users: &users, Metadata: &vectara.ListMetadata{}}
	if next != "" {
		out.Metadata.PageKey = &next
	}
	return out, nil
}

// CreateUser creates a user and answers 201 with it and its one-time code
// (POST /v2/users).
func (f *VectaraFake) CreateUser(_ context.Context, req vectara.CreateUserRequestObject) (vectara.CreateUserResponseObject, error) {
	if req.Body == nil {
		return vectara.CreateUser400JSONResponse(f.badRequestShape(map[string]string{"email": "is required"}, "Request failed validation.")), nil
	}
	f.mu.Lock()
	u, code, err := f.createUser(*req.Body, f.nowLocked())
	var user vectara.User
	if err == nil {
		user = u.toAPI()
	}
	f.mu.Unlock()
	switch {
	case errors.Is(err, errVectaraConflict):
		return vectara.CreateUser409JSONResponse(f.errorShape(err.Error())), nil
	case err != nil:
		return vectara.CreateUser400JSONResponse(f.vectaraBadRequest(err)), nil
	}
	return vectara.CreateUser201JSONResponse{
		Id: user.Id, Email: user.Email, Username: user.Username, Enabled: user.Enabled,
		Description: user.Description, CreatedAt: user.CreatedAt, UpdatedAt: user.UpdatedAt,
		ApiRoles: user.ApiRoles, CorpusRoles: user.CorpusRoles, AgentRoles: user.AgentRoles,
		ApiPolicy:       user.ApiPolicy,
		OneTimeCode:     &code,
		OneTimeCodeLink: vectaraPtr(vectaraOneTimeCodeLink),
	}, nil
}

// GetUser returns one user (GET /v2/users/{username}).
func (f *VectaraFake) GetUser(_ context.Context, req vectara.GetUserRequestObject) (vectara.GetUserResponseObject, error) {
	f.mu.Lock()
	u, err := f.getUser(req.Username)
	var user vectara.User
	if err == nil {
		user = u.toAPI()
	}
	f.mu.Unlock()
	if err != nil {
		return vectara.GetUser404JSONResponse(f.vectaraUserNotFound(req.Username)), nil
	}
	return vectara.GetUser200JSONResponse(user), nil
}

// UpdateUser changes the fields present in the body (PATCH
// /v2/users/{username}).
func (f *VectaraFake) UpdateUser(_ context.Context, req vectara.UpdateUserRequestObject) (vectara.UpdateUserResponseObject, error) {
	body := vectara.UpdateUserRequest{}
	if req.Body != nil {
		body = *req.Body
	}
	f.mu.Lock()
	u, err := f.updateUser(req.Username, body, f.nowLocked())
	var user vectara.User
	if err == nil {
		user = u.toAPI()
	}
	f.mu.Unlock()
	switch {
	case errors.Is(err, errVectaraUserNotFound):
		return vectara.UpdateUser404JSONResponse(f.vectaraUserNotFound(req.Username)), nil
	case err != nil:
		return vectara.UpdateUser400JSONResponse(f.vectaraBadRequest(err)), nil
	}
	return vectara.UpdateUser200JSONResponse(user), nil
}

// DeleteUser deletes a user and answers 204 (DELETE /v2/users/{username}).
func (f *VectaraFake) DeleteUser(_ context.Context, req vectara.DeleteUserRequestObject) (vectara.DeleteUserResponseObject, error) {
	f.mu.Lock()
	err := f.deleteUser(req.Username)
	f.mu.Unlock()
	if err != nil {
		return vectara.DeleteUser404JSONResponse(f.vectaraUserNotFound(req.Username)), nil
	}
	return vectara.DeleteUser204Response{}, nil
}

// ResetUserPassword starts a password reset and answers 200 with a new
// one-time code (POST /v2/users/{username}/reset_password).
func (f *VectaraFake) ResetUserPassword(_ context.Context, req vectara.ResetUserPasswordRequestObject) (vectara.ResetUserPasswordResponseObject, error) {
	f.mu.Lock()
	code, err := f.resetPassword(req.Username)
	f.mu.Unlock()
	if err != nil {
		return vectara.ResetUserPassword404JSONResponse(f.vectaraUserNotFound(req.Username)), nil
	}
	return vectara.ResetUserPassword200JSONResponse{OneTimeCode: &code, OneTimeCodeLink: vectaraPtr(vectaraOneTimeCodeLink)}, nil
}
