// The strict-server handlers of the Harbor fake: each asks the store and
// maps its result to the generated response. A failure is the store's
// error, returned as it is; renderError writes it in Harbor's shape and
// the kit checks that its status is one the operation declares.

package harborfake

import (
	"context"
	"fmt"
	"strings"

	"github.com/userapis/userapis-go/gen/harbor/harborserver"
)

// paging applies go-swagger's defaults: page 1, page_size 10.
func paging(page, size *int64) (int64, int64) {
	p, s := int64(1), int64(10)
	if page != nil {
		p = *page
	}
	if size != nil {
		s = *size
	}
	return p, s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ok are the headers of an empty 200.
func ok(ctx context.Context) harborserver.OKResponseHeaders {
	return harborserver.OKResponseHeaders{XRequestID: requestOf(ctx).requestID}
}

// ListUsers lists users (system admin only), filtered by q and the
// undocumented username/email parameters, sorted and paged.
func (f *Fake) ListUsers(ctx context.Context, req harborserver.ListUsersRequestObject) (harborserver.ListUsersResponseObject, error) {
	hr := requestOf(ctx)
	page, size := paging(req.Params.Page, req.Params.PageSize)
	query := hr.url.Query()
	extra := map[string]string{"username": query.Get("username"), "email": query.Get("email")}
	users, total, err := f.store.listUsers(hr.principal, deref(req.Params.Q), deref(req.Params.Sort), extra, page, size)
	if err != nil {
		return nil, err
	}
	resp := harborserver.ListUsers200JSONResponse{Body: users, Headers: harborserver.ListUsers200ResponseHeaders{
		XRequestID: hr.requestID, XTotalCount: int(total),
	}}
	if link := links(hr.url, total, page, size); link != "" {
		resp.Headers.Link = &link
	}
	return listUsersOK(resp), nil
}

// CreateUser creates a local user (db_auth only) and answers 201 with its
// Location.
func (f *Fake) CreateUser(ctx context.Context, req harborserver.CreateUserRequestObject) (harborserver.CreateUserResponseObject, error) {
	hr := requestOf(ctx)
	id, err := f.store.createUser(hr.principal, *req.Body)
	if err != nil {
		return nil, err
	}
	return harborserver.CreateUser201Response{Headers: harborserver.CreatedResponseHeaders{
		Location:   fmt.Sprintf("%s/%d", strings.TrimSuffix(hr.url.Path, "/"), id),
		XRequestID: hr.requestID,
	}}, nil
}

// GetCurrentUserInfo returns the authenticated user (412 for a robot).
func (f *Fake) GetCurrentUserInfo(ctx context.Context, _ harborserver.GetCurrentUserInfoRequestObject) (harborserver.GetCurrentUserInfoResponseObject, error) {
	hr := requestOf(ctx)
	u, err := f.store.currentUser(hr.principal)
	if err != nil {
		return nil, err
	}
	return currentUserOK{Body: u, Headers: harborserver.GetCurrentUserInfo200ResponseHeaders{XRequestID: hr.requestID}}, nil
}

// GetCurrentUserPermissions lists the caller's permissions in a scope.
func (f *Fake) GetCurrentUserPermissions(ctx context.Context, req harborserver.GetCurrentUserPermissionsRequestObject) (harborserver.GetCurrentUserPermissionsResponseObject, error) {
	hr := requestOf(ctx)
	relative := req.Params.Relative != nil && *req.Params.Relative
	perms, err := f.store.permissions(hr.principal, deref(req.Params.Scope), relative)
	if err != nil {
		return nil, err
	}
	return harborserver.GetCurrentUserPermissions200JSONResponse{Body: perms, Headers: harborserver.GetCurrentUserPermissions200ResponseHeaders{XRequestID: hr.requestID}}, nil
}

// SearchUsers finds users by a fragment of their username; page only
// shapes Link (the real server does not page its search).
func (f *Fake) SearchUsers(ctx context.Context, req harborserver.SearchUsersRequestObject) (harborserver.SearchUsersResponseObject, error) {
	hr := requestOf(ctx)
	if req.Params.Username == "" {
		// go-swagger's RequiredString: present but empty is missing
		return nil, errorf(422, "validation failure list:\nusername in query is required")
	}
	page, size := paging(req.Params.Page, req.Params.PageSize)
	items, total, err := f.store.searchUsers(hr.principal, req.Params.Username, size)
	if err != nil {
		return nil, err
	}
	resp := harborserver.SearchUsers200JSONResponse{Body: items, Headers: harborserver.SearchUsers200ResponseHeaders{
		XRequestID: hr.requestID, XTotalCount: int(total),
	}}
	if total == 0 {
		return resp, nil // the handler answers early: no Link
	}
	if link := links(hr.url, total, page, size); link != "" {
		resp.Headers.Link = &link
	}
	return resp, nil
}

// DeleteUser soft-deletes a user (system admin; not self, not user 1).
func (f *Fake) DeleteUser(ctx context.Context, req harborserver.DeleteUserRequestObject) (harborserver.DeleteUserResponseObject, error) {
	if err := f.store.deleteUser(requestOf(ctx).principal, req.UserID); err != nil {
		return nil, err
	}
	return harborserver.DeleteUser200Response{Headers: ok(ctx)}, nil
}

// GetUser returns a user (self, or anyone for a system admin).
func (f *Fake) GetUser(ctx context.Context, req harborserver.GetUserRequestObject) (harborserver.GetUserResponseObject, error) {
	hr := requestOf(ctx)
	u, err := f.store.getUser(hr.principal, req.UserID)
	if err != nil {
		return nil, err
	}
	return getUserOK{Body: u, Headers: harborserver.GetUser200ResponseHeaders{XRequestID: hr.requestID}}, nil
}

// UpdateUserProfile replaces email, realname and comment.
func (f *Fake) UpdateUserProfile(ctx context.Context, req harborserver.UpdateUserProfileRequestObject) (harborserver.UpdateUserProfileResponseObject, error) {
	if err := f.store.updateProfile(requestOf(ctx).principal, req.UserID, *req.Body); err != nil {
		return nil, err
	}
	return harborserver.UpdateUserProfile200Response{Headers: ok(ctx)}, nil
}

// SetCliSecret sets a user's OIDC CLI secret (oidc_auth only, else 412).
func (f *Fake) SetCliSecret(ctx context.Context, req harborserver.SetCliSecretRequestObject) (harborserver.SetCliSecretResponseObject, error) {
	if err := f.store.setCliSecret(requestOf(ctx).principal, req.UserID, deref(req.Body.Secret)); err != nil {
		return nil, err
	}
	return harborserver.SetCliSecret200Response{Headers: ok(ctx)}, nil
}

// UpdateUserPassword changes a password (old one verified for self).
func (f *Fake) UpdateUserPassword(ctx context.Context, req harborserver.UpdateUserPasswordRequestObject) (harborserver.UpdateUserPasswordResponseObject, error) {
	if err := f.store.updatePassword(requestOf(ctx).principal, req.UserID, *req.Body); err != nil {
		return nil, err
	}
	return harborserver.UpdateUserPassword200Response{Headers: ok(ctx)}, nil
}

// SetUserSysAdmin grants or revokes system admin (system admin only).
func (f *Fake) SetUserSysAdmin(ctx context.Context, req harborserver.SetUserSysAdminRequestObject) (harborserver.SetUserSysAdminResponseObject, error) {
	admin := req.Body.SysadminFlag != nil && *req.Body.SysadminFlag
	if err := f.store.setSysAdmin(requestOf(ctx).principal, req.UserID, admin); err != nil {
		return nil, err
	}
	return harborserver.SetUserSysAdmin200Response{Headers: ok(ctx)}, nil
}
