package client_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
)

const (
	harborUser = "admin"
	harborPass = "Harbor12345"
)

// harborSetup returns a Basic-authenticated client of a portal whose API is
// mounted at /api/v2.0 (the facade appends it to the portal URL).
func harborSetup(t *testing.T, opts ...client.ClientOption) (*client.Harbor, *http.ServeMux) {
	t.Helper()
	mux, base := mtServer(t, "/api/v2.0")
	all := append([]client.ClientOption{client.WithBaseURL(base), client.WithBasicAuth(harborUser, harborPass), mtFast}, opts...)
	h, err := client.NewHarbor(all...)
	if err != nil {
		t.Fatal(err)
	}
	return h, mux
}

func harborAuthed(t *testing.T, r *http.Request) {
	t.Helper()
	mtHeader(t, r, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(harborUser+":"+harborPass)))
}

// harborEcho echoes the request's X-Request-Id, or generates one, as
// Harbor's request-id middleware does.
func harborEcho(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if id == "" {
		id = "generated-id"
	}
	w.Header().Set("X-Request-Id", id)
}

func harborError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	harborEcho(w, r)
	b, _ := json.Marshal(harbor.Errors{Errors: []harbor.Error{{Code: code, Message: msg}}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var harborTime = time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC)

const harborAliceJSON = `{"user_id":3,"username":"alice","email":"alice@example.com","realname":"Alice Liddell","sysadmin_flag":false,"admin_role_in_auth":false,"creation_time":"2024-05-02T09:30:00Z","update_time":"2024-05-02T09:30:00Z"}`

var harborAlice = harbor.UserResp{UserID: 3, Username: "alice", Email: client.Ptr("alice@example.com"), Realname: client.Ptr("Alice Liddell"), CreationTime: harborTime, UpdateTime: harborTime}

func TestHarbor_ListUsers(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		harborAuthed(t, r)
		mtHeader(t, r, "X-Request-Id", "req-list")
		mtQuery(t, r, url.Values{"q": {"username=~ali"}, "sort": {"-creation_time"}, "page": {"2"}, "page_size": {"10"}})
		harborEcho(w, r)
		w.Header().Set("X-Total-Count", "25")
		w.Header().Set("Link", `</api/v2.0/users?page=1&page_size=10>; rel="prev" , </api/v2.0/users?page=3&page_size=10>; rel="next"`)
		mtWriteJSON(w, 200, "["+harborAliceJSON+"]")
	})
	q, err := client.NewHarborQuery().Fuzzy("username", "ali").Build()
	if err != nil {
		t.Fatal(err)
	}
	users, resp, err := h.ListUsers(context.Background(), &harbor.ListUsersParams{Q: &q, Sort: client.Ptr("-creation_time"), Page: client.Ptr[int64](2), PageSize: client.Ptr[int64](10)}, client.WithRequestID("req-list"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(users, []harbor.UserResp{harborAlice}) {
		t.Errorf("users = %+v", users)
	}
	if resp.TotalCount != 25 || resp.RequestID != "req-list" {
		t.Errorf("TotalCount %d RequestID %q", resp.TotalCount, resp.RequestID)
	}
	wantLinks := map[string]string{"prev": "/api/v2.0/users?page=1&page_size=10", "next": "/api/v2.0/users?page=3&page_size=10"}
	if !reflect.DeepEqual(resp.Links, wantLinks) {
		t.Errorf("Links = %v, want %v", resp.Links, wantLinks)
	}
}

func TestHarbor_ListUsers_empty(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		mtQuery(t, r, nil) // nil params: no query at all
		mtNoHeader(t, r, "X-Request-Id")
		harborEcho(w, r)
		w.Header().Set("X-Total-Count", "0")
		mtWriteJSON(w, 200, `[]`)
	})
	users, resp, err := h.ListUsers(context.Background(), nil)
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("users %#v err %v; want an empty non-nil slice", users, err)
	}
	if resp.TotalCount != 0 || resp.Links != nil || resp.RequestID != "generated-id" {
		t.Errorf("TotalCount %d Links %v RequestID %q", resp.TotalCount, resp.Links, resp.RequestID)
	}
}

func TestHarbor_ListUsers_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 403, "FORBIDDEN", "forbidden")
	})
	users, _, err := h.ListUsers(context.Background(), nil, client.WithRequestID("req-403"))
	if users != nil {
		t.Errorf("users = %v", users)
	}
	ae := mtAPIError(t, err, 403, client.ErrForbidden, "forbidden")
	if ae.Code != "FORBIDDEN" || ae.RequestID != "req-403" || ae.Service != "harbor" || ae.Operation != "listUsers" {
		t.Errorf("APIError = %+v", ae)
	}
}

// harborPager serves total users (ids 1..total) page by page, like Harbor:
// X-Total-Count always, Link only when there is a prev/next page (unless
// noLink). It records the pages asked for.
type harborPager struct {
	t       *testing.T
	total   int
	noLink  bool
	failOn  int // page that answers 500
	pages   []string
	sizes   []string
	search  bool
	fetched atomic.Int32
}

func (p *harborPager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.fetched.Add(1)
	harborAuthed(p.t, r)
	q := r.URL.Query()
	p.pages = append(p.pages, q.Get("page"))
	p.sizes = append(p.sizes, q.Get("page_size"))
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	if page == p.failOn {
		harborError(w, r, 500, "UNKNOWN", "internal server error")
		return
	}
	harborEcho(w, r)
	w.Header().Set("X-Total-Count", strconv.Itoa(p.total))
	path := "/api/v2.0/users"
	if p.search {
		path = "/api/v2.0/users/search"
	}
	var links []string
	if page > 1 {
		links = append(links, fmt.Sprintf(`<%s?page=%d&page_size=%d>; rel="prev"`, path, page-1, size))
	}
	if page*size < p.total {
		links = append(links, fmt.Sprintf(`<%s?page=%d&page_size=%d>; rel="next"`, path, page+1, size))
	}
	if len(links) > 0 && !p.noLink {
		w.Header().Set("Link", joinLinks(links))
	}
	var items []map[string]any
	for id := (page-1)*size + 1; id <= min(page*size, p.total); id++ {
		item := map[string]any{"user_id": id, "username": fmt.Sprintf("user%d", id)}
		if !p.search {
			item["sysadmin_flag"] = false
			item["admin_role_in_auth"] = false
			item["creation_time"] = "2024-05-02T09:30:00Z"
			item["update_time"] = "2024-05-02T09:30:00Z"
		}
		items = append(items, item)
	}
	if items == nil {
		items = []map[string]any{}
	}
	b, _ := json.Marshal(items)
	mtWriteJSON(w, 200, string(b))
}

func joinLinks(l []string) string {
	s := l[0]
	for _, x := range l[1:] {
		s += " , " + x
	}
	return s
}

func TestHarbor_ListUsersIter_followsLink(t *testing.T) {
	h, mux := harborSetup(t)
	p := &harborPager{t: t, total: 5}
	mux.Handle("/users", p)
	q := "username=~user"
	var ids []int64
	for u, err := range h.ListUsersIter(context.Background(), &harbor.ListUsersParams{Q: &q, PageSize: client.Ptr[int64](2)}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UserID)
	}
	if !reflect.DeepEqual(ids, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("ids = %v", ids)
	}
	if !reflect.DeepEqual(p.pages, []string{"1", "2", "3"}) || !reflect.DeepEqual(p.sizes, []string{"2", "2", "2"}) {
		t.Errorf("pages %v sizes %v", p.pages, p.sizes)
	}
}

// Without Link, X-Total-Count decides: no request for a page past the end.
func TestHarbor_ListUsersIter_stopsByTotalCount(t *testing.T) {
	for _, total := range []int{4, 5} {
		h, mux := harborSetup(t)
		p := &harborPager{t: t, total: total, noLink: true}
		mux.Handle("/users", p)
		n := 0
		for _, err := range h.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](2)}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		wantPages := (total + 1) / 2
		if n != total || len(p.pages) != wantPages {
			t.Errorf("total %d: got %d users in %d requests (%v), want %d requests", total, n, len(p.pages), p.pages, wantPages)
		}
	}
}

func TestHarbor_ListUsersIter_defaultsAndBreak(t *testing.T) {
	h, mux := harborSetup(t)
	p := &harborPager{t: t, total: 250}
	mux.Handle("/users", p)
	n := 0
	for _, err := range h.ListUsersIter(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 150 {
			break
		}
	}
	// page_size defaults to Harbor's maximum, 100; breaking in page 2 means
	// page 3 is never fetched.
	if !reflect.DeepEqual(p.pages, []string{"1", "2"}) || p.sizes[0] != "100" {
		t.Errorf("pages %v sizes %v", p.pages, p.sizes)
	}
	// page_size over 100 is capped (the server would answer 422).
	p2 := &harborPager{t: t, total: 1}
	h2, mux2 := harborSetup(t)
	mux2.Handle("/users", p2)
	for range h2.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](500)}) {
	}
	if p2.sizes[0] != "100" {
		t.Errorf("page_size = %v, want 100", p2.sizes)
	}
}

func TestHarbor_ListUsersIter_errorMidway(t *testing.T) {
	h, mux := harborSetup(t)
	p := &harborPager{t: t, total: 6, failOn: 2}
	mux.Handle("/users", p)
	var ids []int64
	var errs []error
	for u, err := range h.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](2)}, client.WithMaxRetries(0)) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.UserID)
	}
	if !reflect.DeepEqual(ids, []int64{1, 2}) || len(errs) != 1 {
		t.Fatalf("ids %v errs %v", ids, errs)
	}
	mtAPIError(t, errs[0], 500, client.ErrServer, "internal server error")
	if len(p.pages) != 2 {
		t.Errorf("pages fetched %v: iteration must stop at the error", p.pages)
	}
}

// An iter.Seq2 may be ranged more than once; each range starts over.
func TestHarbor_ListUsersIter_rangeTwice(t *testing.T) {
	h, mux := harborSetup(t)
	mux.Handle("/users", &harborPager{t: t, total: 3})
	seq := h.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](2)})
	for i := range 2 {
		var ids []int64
		for u, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.UserID)
		}
		if !reflect.DeepEqual(ids, []int64{1, 2, 3}) {
			t.Errorf("range %d: ids = %v", i+1, ids)
		}
	}
}

func TestHarbor_ListUsersIter_canceled(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users", mtNeverCalled(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range h.ListUsersIter(ctx, nil) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
}

func TestHarbor_CreateUser(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		harborAuthed(t, r)
		mtHeader(t, r, "X-Request-Id", "req-create")
		mtJSONBody(t, r, `{"username":"alice","email":"alice@example.com","realname":"Alice Liddell","password":"Passw0rdAlice","comment":"QA team"}`)
		harborEcho(w, r)
		w.Header().Set("Location", "/api/v2.0/users/42")
		w.WriteHeader(http.StatusCreated)
	})
	id, resp, err := h.CreateUser(context.Background(), harbor.UserCreationReq{
		Username: "alice", Email: "alice@example.com", Realname: "Alice Liddell", Password: "Passw0rdAlice", Comment: client.Ptr("QA team"),
	}, client.WithRequestID("req-create"))
	if err != nil {
		t.Fatal(err)
	}
	if id != 42 || resp.StatusCode != 201 || resp.RequestID != "req-create" {
		t.Errorf("id %d status %d request id %q", id, resp.StatusCode, resp.RequestID)
	}
}

func TestHarbor_CreateUser_location(t *testing.T) {
	for _, tc := range []struct {
		loc    string
		set    bool
		wantID int64
	}{
		{loc: "https://harbor.example.com/api/v2.0/users/43", set: true, wantID: 43},
		{loc: "/api/v2.0/users/44/", set: true, wantID: 44},
		{set: false},
		{loc: "", set: true},
		{loc: "/api/v2.0/users/abc", set: true},
		{loc: "/api/v2.0/users/0", set: true},
		{loc: "/api/v2.0/users/-3", set: true},
		{loc: "/api/v2.0/users/", set: true},
		{loc: "http://[::1", set: true},
	} {
		t.Run(tc.loc, func(t *testing.T) {
			h, mux := harborSetup(t)
			mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
				harborEcho(w, r)
				if tc.set {
					w.Header()["Location"] = []string{tc.loc}
				}
				w.WriteHeader(http.StatusCreated)
			})
			id, resp, err := h.CreateUser(context.Background(), harbor.UserCreationReq{Username: "a", Email: "a@b.c", Realname: "A", Password: "Passw0rdA"})
			if tc.wantID != 0 {
				if err != nil || id != tc.wantID {
					t.Errorf("id %d err %v, want %d", id, err, tc.wantID)
				}
				return
			}
			var de *client.DecodeError
			if id != 0 || !errors.As(err, &de) || !errors.Is(err, client.ErrUnexpectedResponse) {
				t.Errorf("id %d err %T %v; want 0 and a *DecodeError", id, err, err)
			}
			if de != nil && de.StatusCode != 201 {
				t.Errorf("DecodeError status %d", de.StatusCode)
			}
			if resp == nil || resp.StatusCode != 201 {
				t.Errorf("resp = %v", resp)
			}
		})
	}
}

func TestHarbor_CreateUser_errors(t *testing.T) {
	h, mux := harborSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			harborError(w, r, 409, "CONFLICT", "user alice or email alice@example.com already exists")
			return
		}
		harborError(w, r, 500, "UNKNOWN", "internal server error")
	})
	body := harbor.UserCreationReq{Username: "alice", Email: "alice@example.com", Realname: "A", Password: "Passw0rdA"}
	_, _, err := h.CreateUser(context.Background(), body, client.WithRequestID("req-409"))
	ae := mtAPIError(t, err, 409, client.ErrConflict, "user alice or email alice@example.com already exists")
	if ae.RequestID != "req-409" {
		t.Errorf("RequestID = %q", ae.RequestID)
	}
	// A create that may have been processed is never retried.
	_, _, err = h.CreateUser(context.Background(), body)
	ae = mtAPIError(t, err, 500, client.ErrServer, "internal server error")
	if ae.Attempts != 1 || calls.Load() != 2 {
		t.Errorf("create retried: attempts %d calls %d", ae.Attempts, calls.Load())
	}
}

func TestHarbor_GetCurrentUserInfo(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/current", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		harborAuthed(t, r)
		mtQuery(t, r, nil)
		harborEcho(w, r)
		mtWriteJSON(w, 200, harborAliceJSON)
	})
	u, _, err := h.GetCurrentUserInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*u, harborAlice) {
		t.Errorf("user = %+v", u)
	}
}

func TestHarbor_GetCurrentUserInfo_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/current", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 412, "PRECONDITION", "get current user not available for security context: robot")
	})
	u, _, err := h.GetCurrentUserInfo(context.Background())
	if u != nil {
		t.Errorf("user = %v", u)
	}
	mtAPIError(t, err, 412, client.ErrPreconditionFailed, "get current user not available for security context: robot")
}

func TestHarbor_SearchUsers(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		harborAuthed(t, r)
		harborEcho(w, r)
		switch r.URL.Query().Get("username") {
		case "al+i ce":
			mtQuery(t, r, url.Values{"username": {"al+i ce"}, "page": {"1"}, "page_size": {"5"}})
			w.Header().Set("X-Total-Count", "2")
			mtWriteJSON(w, 200, `[{"user_id":3,"username":"al+i ce"},{"user_id":7,"username":"al+i cea"}]`)
		default:
			mtQuery(t, r, url.Values{"username": {"zed"}})
			w.Header().Set("X-Total-Count", "0")
			mtWriteJSON(w, 200, `[]`)
		}
	})
	items, resp, err := h.SearchUsers(context.Background(), "al+i ce", &harbor.SearchUsersParams{Page: client.Ptr[int64](1), PageSize: client.Ptr[int64](5), Username: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	want := []harbor.UserSearchRespItem{{UserID: 3, Username: "al+i ce"}, {UserID: 7, Username: "al+i cea"}}
	if !reflect.DeepEqual(items, want) || resp.TotalCount != 2 {
		t.Errorf("items %+v total %d", items, resp.TotalCount)
	}
	items, resp, err = h.SearchUsers(context.Background(), "zed", nil)
	if err != nil || items == nil || len(items) != 0 || resp.TotalCount != 0 {
		t.Errorf("no match: %#v, %v", items, err)
	}
	_, _, err = h.SearchUsers(context.Background(), "", nil)
	mtParamError(t, err)
}

func TestHarbor_SearchUsers_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 401, "UNAUTHORIZED", "unauthorized")
	})
	_, _, err := h.SearchUsers(context.Background(), "x", nil)
	mtAPIError(t, err, 401, client.ErrUnauthorized, "unauthorized")
}

// TestHarbor_SearchUsers_noPaging: Harbor's search ignores page (it always
// answers the first page_size matches), so the facade refuses any page but
// 1 and an out-of-range page_size before sending anything, and the same
// page_size rule holds for ListUsers.
func TestHarbor_SearchUsers_noPaging(t *testing.T) {
	h, mux := harborSetup(t)
	var sent atomic.Int32
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) { sent.Add(1); mtWriteJSON(w, 200, `[]`) })
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) { sent.Add(1); mtWriteJSON(w, 200, `[]`) })
	ctx := context.Background()
	for _, p := range []*harbor.SearchUsersParams{
		{Page: client.Ptr[int64](2)},
		{Page: client.Ptr[int64](0)},
		{PageSize: client.Ptr[int64](harborOverMaxPageSize)},
		{PageSize: client.Ptr[int64](-1)},
	} {
		_, resp, err := h.SearchUsers(ctx, "al", p)
		mtParamError(t, err)
		if resp != nil {
			t.Errorf("%+v: a response for a refused call", p)
		}
	}
	_, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](harborOverMaxPageSize)})
	mtParamError(t, err)
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent for refused calls", n)
	}
	if _, _, err := h.SearchUsers(ctx, "al", &harbor.SearchUsersParams{Page: client.Ptr[int64](1), PageSize: client.Ptr[int64](client.HarborMaxPageSize)}); err != nil {
		t.Errorf("page 1, page_size 100: %v", err)
	}
	if _, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](client.HarborMaxPageSize)}); err != nil {
		t.Errorf("listUsers page_size 100: %v", err)
	}
	if n := sent.Load(); n != 2 {
		t.Errorf("%d requests sent, want 2", n)
	}
}

// harborOverMaxPageSize is the first page_size the server refuses.
const harborOverMaxPageSize = client.HarborMaxPageSize + 1

func TestHarbor_GetUser(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7")
		harborEcho(w, r)
		mtWriteJSON(w, 200, `{"user_id":7,"username":"oidc-bob","sysadmin_flag":true,"admin_role_in_auth":false,
			"oidc_user_meta":{"id":2,"user_id":7,"subiss":"subhttps://idp","secret":"CliSecret2024","creation_time":"2024-05-02T09:30:00Z","update_time":"2024-05-02T09:30:00Z"},
			"creation_time":"2024-05-02T09:30:00Z","update_time":"2024-05-02T09:30:00Z"}`)
	})
	u, _, err := h.GetUser(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	want := &harbor.UserResp{UserID: 7, Username: "oidc-bob", SysadminFlag: true, CreationTime: harborTime, UpdateTime: harborTime,
		OIDCUserMeta: &harbor.OIDCUserInfo{ID: 2, UserID: 7, Subiss: "subhttps://idp", Secret: client.Ptr("CliSecret2024"), CreationTime: harborTime, UpdateTime: harborTime}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v, want %+v", u, want)
	}
	for _, id := range []int64{0, -1} {
		_, _, err := h.GetUser(context.Background(), id)
		mtParamError(t, err)
	}
}

func TestHarbor_GetUser_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 404, "NOT_FOUND", "user with id 42 not found")
	})
	_, _, err := h.GetUser(context.Background(), 42, client.WithRequestID("req-404"))
	ae := mtAPIError(t, err, 404, client.ErrNotFound, "user with id 42 not found")
	if ae.RequestID != "req-404" || ae.Code != "NOT_FOUND" {
		t.Errorf("APIError = %+v", ae)
	}
}

func TestHarbor_UpdateUserProfile(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7")
		mtJSONBody(t, r, `{"email":"alice@example.org","realname":"Alice Liddell","comment":"QA lead"}`)
		harborEcho(w, r)
		w.WriteHeader(200)
	})
	resp, err := h.UpdateUserProfile(context.Background(), 7, harbor.UserProfile{Email: "alice@example.org", Realname: "Alice Liddell", Comment: client.Ptr("QA lead")})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("resp %v err %v", resp, err)
	}
	_, err = h.UpdateUserProfile(context.Background(), 0, harbor.UserProfile{})
	mtParamError(t, err)
}

func TestHarbor_UpdateUserProfile_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 400, "BAD_REQUEST", "email with illegal format")
	})
	_, err := h.UpdateUserProfile(context.Background(), 7, harbor.UserProfile{Email: "x", Realname: "y"})
	mtAPIError(t, err, 400, client.ErrBadRequest, "email with illegal format")
}

func TestHarbor_DeleteUser(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7")
		mtNoBody(t, r)
		harborEcho(w, r)
		w.WriteHeader(200) // Harbor answers 200, not 204
	})
	if _, err := h.DeleteUser(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	_, err := h.DeleteUser(context.Background(), -7)
	mtParamError(t, err)
}

func TestHarbor_DeleteUser_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 403, "FORBIDDEN", "User with ID 1 cannot be deleted")
	})
	_, err := h.DeleteUser(context.Background(), 1)
	mtAPIError(t, err, 403, client.ErrForbidden, "User with ID 1 cannot be deleted")
}

func TestHarbor_SetUserSysAdmin(t *testing.T) {
	h, mux := harborSetup(t)
	var want string
	mux.HandleFunc("/users/{id}/sysadmin", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7/sysadmin")
		mtJSONBody(t, r, want)
		harborEcho(w, r)
		w.WriteHeader(200)
	})
	for _, admin := range []bool{true, false} {
		// false must be sent explicitly, not omitted.
		want = fmt.Sprintf(`{"sysadmin_flag":%t}`, admin)
		if _, err := h.SetUserSysAdmin(context.Background(), 7, admin); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.SetUserSysAdmin(context.Background(), 0, true)
	mtParamError(t, err)
}

func TestHarbor_SetUserSysAdmin_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}/sysadmin", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 404, "NOT_FOUND", "user 99 not found")
	})
	_, err := h.SetUserSysAdmin(context.Background(), 99, true)
	mtAPIError(t, err, 404, client.ErrNotFound, "user 99 not found")
}

func TestHarbor_UpdateUserPassword(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}/password", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7/password")
		mtJSONBody(t, r, `{"old_password":"Passw0rdAlice","new_password":"N3wPassw0rdAlice"}`)
		harborEcho(w, r)
		w.WriteHeader(200)
	})
	if _, err := h.UpdateUserPassword(context.Background(), 7, harbor.PasswordReq{OldPassword: client.Ptr("Passw0rdAlice"), NewPassword: "N3wPassw0rdAlice"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.UpdateUserPassword(context.Background(), 0, harbor.PasswordReq{})
	mtParamError(t, err)
}

func TestHarbor_UpdateUserPassword_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}/password", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 403, "FORBIDDEN", "Current password is incorrect")
	})
	_, err := h.UpdateUserPassword(context.Background(), 7, harbor.PasswordReq{OldPassword: client.Ptr("wrong"), NewPassword: "N3wPassw0rd"})
	mtAPIError(t, err, 403, client.ErrForbidden, "Current password is incorrect")
}

func TestHarbor_GetCurrentUserPermissions(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/current/permissions", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		harborAuthed(t, r)
		harborEcho(w, r)
		if r.URL.RawQuery == "" {
			mtWriteJSON(w, 200, `[]`)
			return
		}
		if r.URL.Query().Get("scope") == "/null" {
			mtWriteJSON(w, 200, `null`) // the document says [] for none
			return
		}
		mtQuery(t, r, url.Values{"scope": {"/project/1"}, "relative": {"true"}})
		mtWriteJSON(w, 200, `[{"resource":"repository","action":"pull"},{"resource":"repository","action":"push"}]`)
	})
	perms, _, err := h.GetCurrentUserPermissions(context.Background(), &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/project/1"), Relative: client.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := []harbor.Permission{{Resource: "repository", Action: "pull"}, {Resource: "repository", Action: "push"}}
	if !reflect.DeepEqual(perms, want) {
		t.Errorf("perms = %+v", perms)
	}
	perms, _, err = h.GetCurrentUserPermissions(context.Background(), nil)
	if err != nil || perms == nil || len(perms) != 0 {
		t.Errorf("nil params: %#v, %v; want an empty non-nil slice", perms, err)
	}
	perms, _, err = h.GetCurrentUserPermissions(context.Background(), &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/null")})
	if perms != nil || !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("null body: %#v, %v; want a DecodeError", perms, err)
	}
}

func TestHarbor_GetCurrentUserPermissions_error(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/current/permissions", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 401, "UNAUTHORIZED", "unauthorized")
	})
	_, _, err := h.GetCurrentUserPermissions(context.Background(), nil)
	mtAPIError(t, err, 401, client.ErrUnauthorized, "unauthorized")
}

func TestHarbor_SetCliSecret(t *testing.T) {
	h, mux := harborSetup(t)
	var want string
	mux.HandleFunc("/users/{id}/cli_secret", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		harborAuthed(t, r)
		mtPath(t, r, "/users/7/cli_secret")
		mtJSONBody(t, r, want)
		harborEcho(w, r)
		w.WriteHeader(200)
	})
	want = `{"secret":"CliSecret2024"}`
	if _, err := h.SetCliSecret(context.Background(), 7, "CliSecret2024"); err != nil {
		t.Fatal(err)
	}
	want = `{}` // the server generates one
	if _, err := h.SetCliSecret(context.Background(), 7, ""); err != nil {
		t.Fatal(err)
	}
	_, err := h.SetCliSecret(context.Background(), 0, "x")
	mtParamError(t, err)
}

func TestHarbor_SetCliSecret_412(t *testing.T) {
	h, mux := harborSetup(t)
	mux.HandleFunc("/users/{id}/cli_secret", func(w http.ResponseWriter, r *http.Request) {
		harborError(w, r, 412, "PRECONDITION", "unable to update CLI secret under authmode: db_auth")
	})
	_, err := h.SetCliSecret(context.Background(), 7, "CliSecret2024", client.WithRequestID("req-412"))
	ae := mtAPIError(t, err, 412, client.ErrPreconditionFailed, "unable to update CLI secret under authmode: db_auth")
	if ae.RequestID != "req-412" || ae.Code != "PRECONDITION" {
		t.Errorf("APIError = %+v", ae)
	}
	if errors.Is(err, client.ErrBadRequest) {
		t.Error("412 matched ErrBadRequest")
	}
}

// Each call carries its own X-Request-Id, and errors report it.
func TestHarbor_RequestIDPerCall(t *testing.T) {
	h, mux := harborSetup(t)
	var seen []string
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("X-Request-Id"))
		harborError(w, r, 404, "NOT_FOUND", "nope")
	})
	for _, id := range []string{"req-a", "req-b"} {
		_, _, err := h.GetUser(context.Background(), 5, client.WithRequestID(id))
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.RequestID != id {
			t.Errorf("RequestID = %v, want %q", err, id)
		}
	}
	// Without WithRequestID nothing is sent; the server's id is reported.
	_, _, err := h.GetUser(context.Background(), 5)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.RequestID != "generated-id" {
		t.Errorf("RequestID = %v, want the server's", err)
	}
	if !reflect.DeepEqual(seen, []string{"req-a", "req-b", ""}) {
		t.Errorf("sent ids %q", seen)
	}
}

func TestHarbor_NoCredentials(t *testing.T) {
	mux, base := mtServer(t, "/api/v2.0")
	mux.HandleFunc("/", mtNeverCalled(t))
	h, err := client.NewHarbor(client.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"ListUsers":                 func() error { _, _, err := h.ListUsers(ctx, nil); return err },
		"CreateUser":                func() error { _, _, err := h.CreateUser(ctx, harbor.UserCreationReq{}); return err },
		"GetCurrentUserInfo":        func() error { _, _, err := h.GetCurrentUserInfo(ctx); return err },
		"SearchUsers":               func() error { _, _, err := h.SearchUsers(ctx, "x", nil); return err },
		"GetUser":                   func() error { _, _, err := h.GetUser(ctx, 1); return err },
		"UpdateUserProfile":         func() error { _, err := h.UpdateUserProfile(ctx, 1, harbor.UserProfile{}); return err },
		"DeleteUser":                func() error { _, err := h.DeleteUser(ctx, 2); return err },
		"SetUserSysAdmin":           func() error { _, err := h.SetUserSysAdmin(ctx, 2, true); return err },
		"UpdateUserPassword":        func() error { _, err := h.UpdateUserPassword(ctx, 2, harbor.PasswordReq{}); return err },
		"GetCurrentUserPermissions": func() error { _, _, err := h.GetCurrentUserPermissions(ctx, nil); return err },
		"SetCliSecret":              func() error { _, err := h.SetCliSecret(ctx, 2, ""); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { mtNotAuthenticated(t, call()) })
	}
	for _, err := range h.ListUsersIter(ctx, nil) {
		mtNotAuthenticated(t, err)
	}
}
