package fake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/userapis/userapis-go/gen/harbor"
)

// harborFail is a domain error ready to be rendered in any of the
// document's error responses.
type harborFail struct {
	status int
	body   harbor.Errors
	rid    string
}

// harborBare500 is the real server's answer to a panic in a handler (an
// anonymous caller reaching matchUserID): 500, X-Request-Id, no body and
// no Content-Type. The document declares that the 500 may come bare.
type harborBare500 struct{}

func (harborBare500) write(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusInternalServerError)
	return nil
}

func (r harborBare500) VisitGetUserResponse(w http.ResponseWriter) error { return r.write(w) }
func (r harborBare500) VisitUpdateUserProfileResponse(w http.ResponseWriter) error {
	return r.write(w)
}
func (r harborBare500) VisitUpdateUserPasswordResponse(w http.ResponseWriter) error {
	return r.write(w)
}
func (r harborBare500) VisitSetCliSecretResponse(w http.ResponseWriter) error { return r.write(w) }

func harborFailOf(ctx context.Context, err error) harborFail {
	var e *harborError
	if !errors.As(err, &e) {
		e = &harborError{status: http.StatusInternalServerError, msg: "internal server error"}
	}
	return harborFail{status: e.status, body: harborErrors(e.status, e.msg), rid: harborReq(ctx).requestID}
}

func (h harborFail) badRequest() harbor.BadRequestJSONResponse {
	return harbor.BadRequestJSONResponse{Body: h.body, Headers: harbor.BadRequestResponseHeaders{XRequestId: h.rid}}
}

func (h harborFail) unauthorized() harbor.UnauthorizedJSONResponse {
	return harbor.UnauthorizedJSONResponse{Body: h.body, Headers: harbor.UnauthorizedResponseHeaders{XRequestId: h.rid}}
}

func (h harborFail) forbidden() harbor.ForbiddenJSONResponse {
	return harbor.ForbiddenJSONResponse{Body: h.body, Headers: harbor.ForbiddenResponseHeaders{XRequestId: h.rid}}
}

func (h harborFail) notFound() harbor.NotFoundJSONResponse {
	return harbor.NotFoundJSONResponse{Body: h.body, Headers: harbor.NotFoundResponseHeaders{XRequestId: h.rid}}
}

func (h harborFail) conflict() harbor.ConflictJSONResponse {
	return harbor.ConflictJSONResponse{Body: h.body, Headers: harbor.ConflictResponseHeaders{XRequestId: h.rid}}
}

func (h harborFail) precondition() harbor.PreconditionFailedJSONResponse {
	return harbor.PreconditionFailedJSONResponse{Body: h.body, Headers: harbor.PreconditionFailedResponseHeaders{XRequestId: h.rid}}
}

// internal is the 500 answer, also for a status the operation does not
// declare (which would be a bug in the fake).
func (h harborFail) internal() harbor.InternalServerErrorJSONResponse {
	body := h.body
	if h.status != http.StatusInternalServerError {
		body = harborErrors(http.StatusInternalServerError, "internal server error")
	}
	return harbor.InternalServerErrorJSONResponse{Body: body, Headers: harbor.InternalServerErrorResponseHeaders{XRequestId: h.rid}}
}

// harborPaging applies go-swagger's defaults: page 1, page_size 10.
func harborPaging(page, size *int64) (int64, int64) {
	p, s := int64(1), int64(10)
	if page != nil {
		p = *page
	}
	if size != nil {
		s = *size
	}
	return p, s
}

func harborDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ListUsers lists users (system admin only), filtered by q and the
// undocumented username/email parameters, sorted and paged.
func (f *HarborFake) ListUsers(ctx context.Context, req harbor.ListUsersRequestObject) (harbor.ListUsersResponseObject, error) {
	hr := harborReq(ctx)
	page, size := harborPaging(req.Params.Page, req.Params.PageSize)
	query := hr.url.Query()
	extra := map[string]string{"username": query.Get("username"), "email": query.Get("email")}
	users, total, err := f.store.listUsers(hr.principal, harborDeref(req.Params.Q), harborDeref(req.Params.Sort), extra, page, size)
	if err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusBadRequest:
			return harbor.ListUsers400JSONResponse{BadRequestJSONResponse: h.badRequest()}, nil
		case http.StatusUnauthorized:
			return harbor.ListUsers401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.ListUsers403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		}
		return harbor.ListUsers500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	resp := harbor.ListUsers200JSONResponse{Body: users, Headers: harbor.ListUsers200ResponseHeaders{
		XRequestId: hr.requestID, XTotalCount: int(total),
	}}
	if link := harborLinks(hr.url, total, page, size); link != "" {
		resp.Headers.Link = &link
	}
	return resp, nil
}

// CreateUser creates a local user (db_auth only) and answers 201 with its
// Location.
func (f *HarborFake) CreateUser(ctx context.Context, req harbor.CreateUserRequestObject) (harbor.CreateUserResponseObject, error) {
	hr := harborReq(ctx)
	id, err := f.store.createUser(hr.principal, *req.Body)
	if err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusBadRequest:
			return harbor.CreateUser400JSONResponse{BadRequestJSONResponse: h.badRequest()}, nil
		case http.StatusUnauthorized:
			return harbor.CreateUser401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.CreateUser403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusConflict:
			return harbor.CreateUser409JSONResponse{ConflictJSONResponse: h.conflict()}, nil
		}
		return harbor.CreateUser500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.CreateUser201Response{Headers: harbor.CreatedResponseHeaders{
		Location:   fmt.Sprintf("%s/%d", strings.TrimSuffix(hr.url.Path, "/"), id),
		XRequestId: hr.requestID,
	}}, nil
}

// GetCurrentUserInfo returns the authenticated user (412 for a robot).
func (f *HarborFake) GetCurrentUserInfo(ctx context.Context, _ harbor.GetCurrentUserInfoRequestObject) (harbor.GetCurrentUserInfoResponseObject, error) {
	hr := harborReq(ctx)
	u, err := f.store.currentUser(hr.principal)
	if err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusUnauthorized:
			return harbor.GetCurrentUserInfo401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusPreconditionFailed:
			return harbor.GetCurrentUserInfo412JSONResponse{PreconditionFailedJSONResponse: h.precondition()}, nil
		}
		return harbor.GetCurrentUserInfo500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.GetCurrentUserInfo200JSONResponse{Body: u, Headers: harbor.GetCurrentUserInfo200ResponseHeaders{XRequestId: hr.requestID}}, nil
}

// GetCurrentUserPermissions lists the caller's permissions in a scope.
func (f *HarborFake) GetCurrentUserPermissions(ctx context.Context, req harbor.GetCurrentUserPermissionsRequestObject) (harbor.GetCurrentUserPermissionsResponseObject, error) {
	hr := harborReq(ctx)
	relative := req.Params.Relative != nil && *req.Params.Relative
	perms := f.store.permissions(hr.principal, harborDeref(req.Params.Scope), relative)
	return harbor.GetCurrentUserPermissions200JSONResponse{Body: perms, Headers: harbor.GetCurrentUserPermissions200ResponseHeaders{XRequestId: hr.requestID}}, nil
}

// SearchUsers finds users by a fragment of their username.
func (f *HarborFake) SearchUsers(ctx context.Context, req harbor.SearchUsersRequestObject) (harbor.SearchUsersResponseObject, error) {
	hr := harborReq(ctx)
	if req.Params.Username == "" {
		// go-swagger's RequiredString: present but empty is missing
		return harbor.SearchUsers422JSONResponse{UnprocessableEntityJSONResponse: harbor.UnprocessableEntityJSONResponse{
			Body:    harborErrors(http.StatusUnprocessableEntity, "validation failure list:\nusername in query is required"),
			Headers: harbor.UnprocessableEntityResponseHeaders{XRequestId: hr.requestID},
		}}, nil
	}
	page, size := harborPaging(req.Params.Page, req.Params.PageSize)
	items, total, err := f.store.searchUsers(req.Params.Username, size)
	if err != nil {
		h := harborFailOf(ctx, err)
		if h.status == http.StatusUnauthorized {
			return harbor.SearchUsers401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		}
		return harbor.SearchUsers500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	resp := harbor.SearchUsers200JSONResponse{Body: items, Headers: harbor.SearchUsers200ResponseHeaders{
		XRequestId: hr.requestID, XTotalCount: int(total),
	}}
	if total == 0 {
		return resp, nil // the handler answers early: no Link
	}
	if link := harborLinks(hr.url, total, page, size); link != "" {
		resp.Headers.Link = &link
	}
	return resp, nil
}

// DeleteUser soft-deletes a user (system admin; not self, not user 1).
func (f *HarborFake) DeleteUser(ctx context.Context, req harbor.DeleteUserRequestObject) (harbor.DeleteUserResponseObject, error) {
	hr := harborReq(ctx)
	if err := f.store.deleteUser(hr.principal, req.UserId); err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusUnauthorized:
			return harbor.DeleteUser401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.DeleteUser403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.DeleteUser404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		}
		return harbor.DeleteUser500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.DeleteUser200Response{Headers: harbor.OKResponseHeaders{XRequestId: hr.requestID}}, nil
}

// GetUser returns a user (self, or anyone for a system admin).
func (f *HarborFake) GetUser(ctx context.Context, req harbor.GetUserRequestObject) (harbor.GetUserResponseObject, error) {
	hr := harborReq(ctx)
	u, err := f.store.getUser(hr.principal, req.UserId)
	if err == errHarborNilSecurityContext {
		return harborBare500{}, nil
	}
	if err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusUnauthorized:
			return harbor.GetUser401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.GetUser403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.GetUser404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		}
		return harbor.GetUser500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.GetUser200JSONResponse{Body: u, Headers: harbor.GetUser200ResponseHeaders{XRequestId: hr.requestID}}, nil
}

// UpdateUserProfile replaces email, realname and comment.
func (f *HarborFake) UpdateUserProfile(ctx context.Context, req harbor.UpdateUserProfileRequestObject) (harbor.UpdateUserProfileResponseObject, error) {
	hr := harborReq(ctx)
	if err := f.store.updateProfile(hr.principal, req.UserId, *req.Body); err != nil {
		if err == errHarborNilSecurityContext {
			return harborBare500{}, nil
		}
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusBadRequest:
			return harbor.UpdateUserProfile400JSONResponse{BadRequestJSONResponse: h.badRequest()}, nil
		case http.StatusUnauthorized:
			return harbor.UpdateUserProfile401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.UpdateUserProfile403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.UpdateUserProfile404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		}
		return harbor.UpdateUserProfile500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.UpdateUserProfile200Response{Headers: harbor.OKResponseHeaders{XRequestId: hr.requestID}}, nil
}

// SetCliSecret sets a user's OIDC CLI secret (oidc_auth only, else 412).
func (f *HarborFake) SetCliSecret(ctx context.Context, req harbor.SetCliSecretRequestObject) (harbor.SetCliSecretResponseObject, error) {
	hr := harborReq(ctx)
	if err := f.store.setCliSecret(hr.principal, req.UserId, harborDeref(req.Body.Secret)); err != nil {
		if err == errHarborNilSecurityContext {
			return harborBare500{}, nil
		}
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusBadRequest:
			return harbor.SetCliSecret400JSONResponse{BadRequestJSONResponse: h.badRequest()}, nil
		case http.StatusUnauthorized:
			return harbor.SetCliSecret401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.SetCliSecret403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.SetCliSecret404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		case http.StatusPreconditionFailed:
			return harbor.SetCliSecret412JSONResponse{PreconditionFailedJSONResponse: h.precondition()}, nil
		}
		return harbor.SetCliSecret500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.SetCliSecret200Response{Headers: harbor.OKResponseHeaders{XRequestId: hr.requestID}}, nil
}

// UpdateUserPassword changes a password (old one verified for self).
func (f *HarborFake) UpdateUserPassword(ctx context.Context, req harbor.UpdateUserPasswordRequestObject) (harbor.UpdateUserPasswordResponseObject, error) {
	hr := harborReq(ctx)
	if err := f.store.updatePassword(hr.principal, req.UserId, *req.Body); err != nil {
		if err == errHarborNilSecurityContext {
			return harborBare500{}, nil
		}
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusBadRequest:
			return harbor.UpdateUserPassword400JSONResponse{BadRequestJSONResponse: h.badRequest()}, nil
		case http.StatusUnauthorized:
			return harbor.UpdateUserPassword401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.UpdateUserPassword403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.UpdateUserPassword404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		}
		return harbor.UpdateUserPassword500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.UpdateUserPassword200Response{Headers: harbor.OKResponseHeaders{XRequestId: hr.requestID}}, nil
}

// SetUserSysAdmin grants or revokes system admin (system admin only).
func (f *HarborFake) SetUserSysAdmin(ctx context.Context, req harbor.SetUserSysAdminRequestObject) (harbor.SetUserSysAdminResponseObject, error) {
	hr := harborReq(ctx)
	admin := req.Body.SysadminFlag != nil && *req.Body.SysadminFlag
	if err := f.store.setSysAdmin(hr.principal, req.UserId, admin); err != nil {
		h := harborFailOf(ctx, err)
		switch h.status {
		case http.StatusUnauthorized:
			return harbor.SetUserSysAdmin401JSONResponse{UnauthorizedJSONResponse: h.unauthorized()}, nil
		case http.StatusForbidden:
			return harbor.SetUserSysAdmin403JSONResponse{ForbiddenJSONResponse: h.forbidden()}, nil
		case http.StatusNotFound:
			return harbor.SetUserSysAdmin404JSONResponse{NotFoundJSONResponse: h.notFound()}, nil
		}
		return harbor.SetUserSysAdmin500JSONResponse{InternalServerErrorJSONResponse: h.internal()}, nil
	}
	return harbor.SetUserSysAdmin200Response{Headers: harbor.OKResponseHeaders{XRequestId: hr.requestID}}, nil
}
