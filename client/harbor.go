// The Harbor client (api/harbor.yaml): Basic auth, the user operations,
// paging by Link and X-Total-Count, and Harbor's own checks (user ids,
// page_size, search that does not page).

package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/userapis/userapis-go/gen/harbor"
)

// HarborMaxPageSize is the largest page_size Harbor accepts.
const HarborMaxPageSize = 100

// Harbor is a client for Harbor's user API v2.0 (api/harbor.yaml), with
// HTTP Basic authentication (WithBasicAuth). Every call may carry an
// X-Request-Id (WithRequestID), which Harbor echoes and errors report.
type Harbor struct{ c *core }

// NewHarbor returns a Harbor client. WithBaseURL is required: the address of
// the Harbor portal (https://harbor.example.com), with or without /api/v2.0,
// which is appended unless it is there.
func NewHarbor(opts ...ClientOption) (*Harbor, error) {
	c, err := newCore("harbor", "", apiPaths{server: "/api/v2.0", full: "/api/v2.0"}, opts)
	if err != nil {
		return nil, err
	}
	// The client's own Basic header is encoded once; a per-call
	// WithBasicAuth is encoded for its call. The slice is shared by every
	// request (len == cap, so nothing appends into it).
	base := c.cfg
	basic := []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(base.basicUser+":"+base.basicPass))}
	c.authorize = func(_ context.Context, req *http.Request, cfg *config) error {
		if cfg.basicUser == "" {
			return &authError{service: "harbor", err: fmt.Errorf("%w: use WithBasicAuth", ErrNotAuthenticated)}
		}
		if cfg.basicUser == base.basicUser && cfg.basicPass == base.basicPass {
			req.Header["Authorization"] = basic
			return nil
		}
		req.SetBasicAuth(cfg.basicUser, cfg.basicPass)
		return nil
	}
	c.decodeError = func(e *APIError) {
		var body harbor.Errors
		if decodeJSONError(e, &body) && len(body.Errors) > 0 {
			e.Code, e.Message = body.Errors[0].Code, body.Errors[0].Message
			for _, x := range body.Errors[1:] { // Harbor sends one; join any more
				e.Message += "; " + x.Message
			}
		}
	}
	return &Harbor{c: c}, nil
}

// checkPageSize refuses what the server would refuse with 422: a page_size
// above HarborMaxPageSize (the document's maximum), or a negative one.
func checkPageSize(op string, size *int64) error {
	if size != nil && (*size > HarborMaxPageSize || *size < 0) {
		return &ParamError{Operation: op, Param: "page_size", Reason: fmt.Sprintf("must be between 0 and %d, got %d", HarborMaxPageSize, *size)}
	}
	return nil
}

func checkHarborUserID(op string, id int64) error {
	if id <= 0 {
		return &ParamError{Operation: op, Param: "user_id", Reason: fmt.Sprintf("must be positive, got %d", id)}
	}
	return nil
}

// harborList parses a listing (listUsers, searchUsers) as jsonOK does, and
// like the generated parser refuses an X-Total-Count that is not an integer.
func harborList[T any](res *http.Response) (*[]T, error) {
	if v := res.Header.Values("X-Total-Count"); res.StatusCode == http.StatusOK && len(v) > 0 {
		if _, err := strconv.ParseInt(v[0], 10, 64); err != nil {
			return nil, fmt.Errorf("X-Total-Count %q: %w", v[0], err)
		}
	}
	return jsonOK[[]T](res)
}

// harborPageInfo records X-Total-Count and Link on resp.
func harborPageInfo(resp *Response) {
	if v := resp.Header.Get("X-Total-Count"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			resp.TotalCount = n
		}
	}
	if v := resp.Header.Get("Link"); v != "" {
		resp.Links = parseLink(v)
	}
}

// ListUsers returns one page of users (system admin only). params may be
// nil; build Q with NewHarborQuery.
func (h *Harbor) ListUsers(ctx context.Context, params *harbor.ListUsersParams, opts ...CallOption) ([]harbor.UserResp, *Response, error) {
	const op = "listUsers"
	if params == nil {
		params = &harbor.ListUsersParams{}
	}
	if err := checkPageSize(op, params.PageSize); err != nil {
		return nil, nil, err
	}
	return sendHarborList[harbor.UserResp](ctx, h.c, op, opts,
		get(harbor.ListUsersPath(params)).with(harbor.ListUsersHeader(params)))
}

// sendHarborList runs a listing (listUsers, searchUsers): the JSON array
// body, never nil, with X-Total-Count and Link recorded on the Response.
func sendHarborList[T any](ctx context.Context, c *core, op string, opts []CallOption,
	build builder,
) ([]T, *Response, error) {
	r, resp, err := send(ctx, c, op, opts, build, harborList[T])
	if err != nil {
		return nil, resp, err
	}
	harborPageInfo(resp)
	list, resp, err := requireResult(c, op, resp, r)
	if err != nil {
		return nil, resp, err
	}
	return nonNil(*list), resp, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ListUsersIter yields every user matching params, page by page (page_size
// from params, default 100), stopping when the Link header has no "next"
// or X-Total-Count is reached.
func (h *Harbor) ListUsersIter(ctx context.Context, params *harbor.ListUsersParams, opts ...CallOption) iter.Seq2[harbor.UserResp, error] {
	start := harbor.ListUsersParams{}
	if params != nil {
		start = *params
	}
	return func(yield func(harbor.UserResp, error) bool) {
		// Every range starts over from the first page with its own state, so
		// the sequence can be ranged more than once.
		p := start
		page, size := harborPageStart(p.Page, p.PageSize)
		paginate(ctx, func(ctx context.Context) ([]harbor.UserResp, bool, error) {
			p.Page, p.PageSize = &page, &size
			users, resp, err := h.ListUsers(ctx, &p, opts...)
			if err != nil {
				return nil, false, err
			}
			more := harborHasNext(resp, page, size, len(users))
			page++
			return users, more, nil
		})(yield)
	}
}

func harborPageStart(page, size *int64) (int64, int64) {
	p, s := int64(1), int64(HarborMaxPageSize)
	if page != nil && *page > 0 {
		p = *page
	}
	if size != nil && *size > 0 {
		s = min(*size, HarborMaxPageSize)
	}
	return p, s
}

// harborHasNext decides whether another page follows: Link's rel="next" when the
// server sends Link, else X-Total-Count, else a full page.
func harborHasNext(resp *Response, page, size int64, got int) bool {
	if got == 0 {
		return false
	}
	if resp.Links != nil {
		_, ok := resp.Links["next"]
		return ok
	}
	if resp.TotalCount >= 0 {
		return page*size < int64(resp.TotalCount)
	}
	return int64(got) == size
}

// CreateUser creates a local user (201) and returns its id, read from the
// Location header. When the answer is lost or is a 500, 502 or 504, the
// error matches ErrOutcomeUnknown and the user may exist: look it up by
// name (ListUsers with q=username=<name>, as a system admin) before
// creating it again.
func (h *Harbor) CreateUser(ctx context.Context, body harbor.UserCreationReq, opts ...CallOption) (int64, *Response, error) {
	const op = "createUser"
	r, resp, err := send(withBodySecrets(ctx, body.Password), h.c, op, opts,
		post(harbor.CreateUserPath()).json(body),
		harbor.ParseCreateUserResponse)
	if err != nil {
		return 0, resp, err
	}
	if _, err := expectStatus(h.c, op, resp, http.StatusCreated); err != nil {
		return 0, resp, err
	}
	loc := resp.Header.Get("Location")
	if r.Headers201 != nil && r.Headers201.Location != "" {
		loc = r.Headers201.Location
	}
	id, err := idFromLocation(loc)
	if err != nil {
		return 0, resp, h.c.decodeErr(op, resp, err)
	}
	return id, resp, nil
}

func idFromLocation(loc string) (int64, error) {
	u, err := url.Parse(loc)
	if err != nil || loc == "" {
		return 0, fmt.Errorf("no usable Location header %q", loc)
	}
	id, err := strconv.ParseInt(path.Base(u.Path), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("location %q does not end in a user id", loc)
	}
	return id, nil
}

// GetCurrentUserInfo returns the authenticated user.
func (h *Harbor) GetCurrentUserInfo(ctx context.Context, opts ...CallOption) (*harbor.UserResp, *Response, error) {
	const op = "getCurrentUserInfo"
	return sendResult(ctx, h.c, op, opts,
		get(harbor.GetCurrentUserInfoPath()),
		jsonOK[harbor.UserResp])
}

// SearchUsers returns the users whose username contains username, at most
// params.PageSize of them (Harbor's default is 10; at most
// HarborMaxPageSize), shortest usernames first, then in byte order.
//
// Harbor's search does not page: the server always answers the first
// page_size matches, whatever page says (v2.15.2 ignores it), while
// X-Total-Count (resp.TotalCount) counts every match and Link describes
// pages it cannot serve. So there is no iterator, and a Page other than 1
// is refused here with a *ParamError rather than sent. To see more
// matches, ask for a larger page_size or narrow username; to walk every
// user, a system admin can use ListUsersIter with a fuzzy q
// (NewHarborQuery().Fuzzy("username", ...)). The match is case-sensitive
// and '%' and '_' in username are wildcards (SQL LIKE), but TotalCount
// counts case-insensitively.
func (h *Harbor) SearchUsers(ctx context.Context, username string, params *harbor.SearchUsersParams, opts ...CallOption) ([]harbor.UserSearchRespItem, *Response, error) {
	const op = "searchUsers"
	if username == "" {
		return nil, nil, &ParamError{Operation: op, Param: "username", Reason: "must not be empty"}
	}
	p := harbor.SearchUsersParams{}
	if params != nil {
		p = *params
	}
	if p.Page != nil && *p.Page != 1 {
		return nil, nil, &ParamError{Operation: op, Param: "page", Reason: fmt.Sprintf("Harbor's search does not page (the server ignores page and returns the first page_size matches again); got %d, only 1 is allowed", *p.Page)}
	}
	if err := checkPageSize(op, p.PageSize); err != nil {
		return nil, nil, err
	}
	p.Username = username
	return sendHarborList[harbor.UserSearchRespItem](ctx, h.c, op, opts,
		get(harbor.SearchUsersPath(&p)).with(harbor.SearchUsersHeader(&p)))
}

// GetUser returns a user by id (self, or any user for a system admin).
func (h *Harbor) GetUser(ctx context.Context, id int64, opts ...CallOption) (*harbor.UserResp, *Response, error) {
	const op = "getUser"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, nil, err
	}
	return sendResult(ctx, h.c, op, opts,
		get(harbor.GetUserPath(id)),
		jsonOK[harbor.UserResp])
}

// UpdateUserProfile replaces email, realname and comment.
func (h *Harbor) UpdateUserProfile(ctx context.Context, id int64, profile harbor.UserProfile, opts ...CallOption) (*Response, error) {
	const op = "updateUserProfile"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, h.c, op, opts,
		put(harbor.UpdateUserProfilePath(id)).json(profile),
		http.StatusOK)
}

// DeleteUser deletes a user (system admin only; not self, not user 1).
func (h *Harbor) DeleteUser(ctx context.Context, id int64, opts ...CallOption) (*Response, error) {
	const op = "deleteUser"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, h.c, op, opts,
		del(harbor.DeleteUserPath(id)),
		http.StatusOK)
}

// SetUserSysAdmin grants or revokes system admin (system admin only).
func (h *Harbor) SetUserSysAdmin(ctx context.Context, id int64, admin bool, opts ...CallOption) (*Response, error) {
	const op = "setUserSysAdmin"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, h.c, op, opts,
		put(harbor.SetUserSysAdminPath(id)).json(harbor.UserSysAdminFlag{SysadminFlag: &admin}),
		http.StatusOK)
}

// UpdateUserPassword changes a password. OldPassword is required when users
// change their own; a system admin may omit it for others.
func (h *Harbor) UpdateUserPassword(ctx context.Context, id int64, body harbor.PasswordReq, opts ...CallOption) (*Response, error) {
	const op = "updateUserPassword"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, err
	}
	secrets := []string{body.NewPassword}
	if body.OldPassword != nil {
		secrets = append(secrets, *body.OldPassword)
	}
	return sendEmpty(withBodySecrets(ctx, secrets...), h.c, op, opts,
		put(harbor.UpdateUserPasswordPath(id)).json(body),
		http.StatusOK)
}

// GetCurrentUserPermissions lists what the authenticated user may do,
// optionally within scope (such as /project/1).
func (h *Harbor) GetCurrentUserPermissions(ctx context.Context, params *harbor.GetCurrentUserPermissionsParams, opts ...CallOption) ([]harbor.Permission, *Response, error) {
	const op = "getCurrentUserPermissions"
	list, resp, err := sendResult(ctx, h.c, op, opts,
		get(harbor.GetCurrentUserPermissionsPath(params)).with(harbor.GetCurrentUserPermissionsHeader(params)),
		jsonOK[[]harbor.Permission])
	if err != nil {
		return nil, resp, err
	}
	return nonNil(*list), resp, nil
}

// SetCliSecret sets the OIDC CLI secret of a user (412 unless Harbor runs
// in OIDC mode). An empty secret asks the server to generate one.
func (h *Harbor) SetCliSecret(ctx context.Context, id int64, secret string, opts ...CallOption) (*Response, error) {
	const op = "setCliSecret"
	if err := checkHarborUserID(op, id); err != nil {
		return nil, err
	}
	body := harbor.OIDCCliSecretReq{}
	if secret != "" {
		body.Secret = &secret
	}
	return sendEmpty(withBodySecrets(ctx, secret), h.c, op, opts,
		put(harbor.SetCliSecretPath(id)).json(body),
		http.StatusOK)
}
