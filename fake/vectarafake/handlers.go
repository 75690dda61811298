package vectarafake

import (
	"context"
	"errors"
	"net/http"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// This file holds the strict-server methods of the Vectara fake: each locks
// the store, calls it, and maps its result or domain error to the generated
// response type. Authentication has already happened in the middleware.

const oneTimeCodeLink = "https://console.vectara.com/one-time-code"

// notFound is the 404 of an unknown username or corpus key.
func notFound(id, msg string) error {
	return &fakekit.Error{Status: http.StatusNotFound, Message: msg, Resource: id}
}

// storeError is the store's error as the service answers it: a conflict
// is 409, an unknown user 404; validation errors carry their status.
func storeError(err error, username string) error {
	switch {
	case errors.Is(err, errConflict):
		return &fakekit.Error{Status: http.StatusConflict, Message: err.Error()}
	case errors.Is(err, errUserNotFound):
		return notFound(username, "User not found.")
	}
	return err
}

// ListUsers returns one page of users ordered by username (GET /v2/users).
func (f *Fake) ListUsers(_ context.Context, req vectaraserver.ListUsersRequestObject) (vectaraserver.ListUsersResponseObject, error) {
	limit := 10
	if req.Params.Limit != nil {
		limit = int(*req.Params.Limit)
	}
	if limit < 1 || limit > 100 {
		return nil, invalid("limit", "must be between 1 and 100")
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
	if errors.Is(err, errCorpusNotFound) {
		return nil, notFound(corpus, "Corpus not found.")
	}
	if err != nil {
		return nil, err
	}
	out := vectaraserver.ListUsers200JSONResponse{Users: &users, Metadata: &vectara.ListMetadata{}}
	if next != "" {
		out.Metadata.PageKey = &next
	}
	return out, nil
}

// CreateUser creates a user and answers 201 with it and its one-time code
// (POST /v2/users).
func (f *Fake) CreateUser(_ context.Context, req vectaraserver.CreateUserRequestObject) (vectaraserver.CreateUserResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("email", "is required")
	}
	f.mu.Lock()
	u, code, err := f.createUser(*req.Body, f.nowLocked())
	var user vectara.User
	if err == nil {
		user = u.toAPI()
	}
	f.mu.Unlock()
	if err != nil {
		return nil, storeError(err, "")
	}
	f.outbox.Add(fakekit.Message{Kind: "one_time_code", To: deref(user.Email), Value: code, At: deref(user.CreatedAt)})
	return vectaraserver.CreateUser201JSONResponse{
		ID: user.ID, Email: user.Email, Username: user.Username, Enabled: user.Enabled,
		Description: user.Description, CreatedAt: user.CreatedAt, UpdatedAt: user.UpdatedAt,
		APIRoles: user.APIRoles, CorpusRoles: user.CorpusRoles, AgentRoles: user.AgentRoles,
		APIPolicy:       user.APIPolicy,
		OneTimeCode:     &code,
		OneTimeCodeLink: ptr(oneTimeCodeLink),
	}, nil
}

// userAPI runs a store operation that yields a user, under the lock, and
// renders the user while the lock is still held.
func (f *Fake) userAPI(op func() (*userRow, error)) (vectara.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, err := op()
	if err != nil {
		return vectara.User{}, err
	}
	return u.toAPI(), nil
}

// GetUser returns one user (GET /v2/users/{username}).
func (f *Fake) GetUser(_ context.Context, req vectaraserver.GetUserRequestObject) (vectaraserver.GetUserResponseObject, error) {
	user, err := f.userAPI(func() (*userRow, error) { return f.getUser(req.Username) })
	if err != nil {
		return nil, storeError(err, req.Username)
	}
	return vectaraserver.GetUser200JSONResponse(user), nil
}

// UpdateUser changes the fields present in the body (PATCH
// /v2/users/{username}).
func (f *Fake) UpdateUser(_ context.Context, req vectaraserver.UpdateUserRequestObject) (vectaraserver.UpdateUserResponseObject, error) {
	body := vectara.UpdateUserRequest{}
	if req.Body != nil {
		body = *req.Body
	}
	user, err := f.userAPI(func() (*userRow, error) { return f.updateUser(req.Username, body, f.nowLocked()) })
	if err != nil {
		return nil, storeError(err, req.Username)
	}
	return vectaraserver.UpdateUser200JSONResponse(user), nil
}

// DeleteUser deletes a user and answers 204 (DELETE /v2/users/{username}).
func (f *Fake) DeleteUser(_ context.Context, req vectaraserver.DeleteUserRequestObject) (vectaraserver.DeleteUserResponseObject, error) {
	f.mu.Lock()
	err := f.deleteUser(req.Username)
	f.mu.Unlock()
	if err != nil {
		return nil, storeError(err, req.Username)
	}
	return vectaraserver.DeleteUser204Response{}, nil
}

// ResetUserPassword starts a password reset and answers 200 with a new
// one-time code (POST /v2/users/{username}/reset_password).
func (f *Fake) ResetUserPassword(_ context.Context, req vectaraserver.ResetUserPasswordRequestObject) (vectaraserver.ResetUserPasswordResponseObject, error) {
	f.mu.Lock()
	code, err := f.resetPassword(req.Username)
	now := f.nowLocked()
	f.mu.Unlock()
	if err != nil {
		return nil, storeError(err, req.Username)
	}
	f.outbox.Add(fakekit.Message{Kind: "one_time_code", To: req.Username, Value: code, At: now})
	return vectaraserver.ResetUserPassword200JSONResponse{OneTimeCode: &code, OneTimeCodeLink: ptr(oneTimeCodeLink)}, nil
}
