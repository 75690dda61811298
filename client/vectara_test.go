package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/vectara"
)

const vectaraKey = "zqt_personal_key"

// vectaraSetup returns an x-api-key client of a Vectara at the server root.
func vectaraSetup(t *testing.T, opts ...client.ClientOption) (*client.Vectara, *http.ServeMux) {
	t.Helper()
	mux, base := mtServer(t, "")
	v, err := client.NewVectara(append([]client.ClientOption{client.WithBaseURL(base), client.WithAPIKey(vectaraKey), mtFast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v, mux
}

func vectaraAuthed(t *testing.T, r *http.Request) {
	t.Helper()
	mtHeader(t, r, "x-api-key", vectaraKey)
	mtNoHeader(t, r, "Authorization")
}

func vectaraError(w http.ResponseWriter, status int, body string) {
	mtWriteJSON(w, status, body)
}

func TestVectara_ListUsers(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		vectaraAuthed(t, r)
		mtHeader(t, r, "Request-Timeout", "30")
		mtQuery(t, r, url.Values{"limit": {"2"}, "page_key": {"eyJvZmZzZXQiOjF9+/="}, "corpus_key": {"my-corpus"}})
		mtWriteJSON(w, 200, `{"users":[{"id":"usr_1","email":"alice@example.com","username":"alice@example.com","enabled":true,
			"created_at":"2025-03-14T09:26:53Z","api_roles":["corpus_administrator"],"corpus_roles":[{"corpus_key":"my-corpus","role":"editor"}]}],
			"metadata":{"page_key":"next+key"}}`)
	})
	page, _, err := v.ListUsers(context.Background(), &vectara.ListUsersParams{
		Limit: client.Ptr[int32](2), PageKey: client.Ptr("eyJvZmZzZXQiOjF9+/="), CorpusKey: client.Ptr("my-corpus"), RequestTimeout: client.Ptr(30),
	})
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	want := &vectara.ListUsersPage{
		Users: &[]vectara.User{{ID: client.Ptr("usr_1"), Email: client.Ptr("alice@example.com"), Username: client.Ptr("alice@example.com"), Enabled: client.Ptr(true),
			CreatedAt: &created, APIRoles: &[]vectara.APIRole{"corpus_administrator"}, CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "editor"}}}},
		Metadata: &vectara.ListMetadata{PageKey: client.Ptr("next+key")},
	}
	if !reflect.DeepEqual(page, want) {
		t.Errorf("page = %+v", page)
	}
}

// Vectara's 400: messages, field_errors and request_id from the body.
func TestVectara_ListUsers_error(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		mtQuery(t, r, nil)
		vectaraError(w, 400, `{"field_errors":{"limit":"must be less than or equal to 100"},"messages":["Request failed validation.","Second."],"request_id":"5f0c2b1e"}`)
	})
	page, _, err := v.ListUsers(context.Background(), nil)
	if page != nil {
		t.Errorf("page = %v", page)
	}
	ae := mtAPIError(t, err, 400, client.ErrBadRequest, "Request failed validation.; Second.")
	if ae.RequestID != "5f0c2b1e" || !reflect.DeepEqual(ae.Fields, map[string]string{"limit": "must be less than or equal to 100"}) {
		t.Errorf("APIError = %+v", ae)
	}
}

// A base URL with a path (a proxy) keeps it.
func TestVectara_BasePath(t *testing.T) {
	mux, base := mtServer(t, "/proxy/vectara")
	v, err := client.NewVectara(client.WithBaseURL(base+"/proxy/vectara"), client.WithAPIKey(vectaraKey))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		mtPath(t, r, "/v2/users/a%2Fb")
		mtWriteJSON(w, 200, `{"username":"a/b"}`)
	})
	if _, _, err := v.GetUser(context.Background(), "a/b"); err != nil {
		t.Fatal(err)
	}
}

// vectaraPager serves pages keyed by page_key; last decides how the last
// page ends ("absent", "empty" or a key to repeat).
type vectaraPager struct {
	t      *testing.T
	pages  [][]string // usernames per page
	last   string
	failOn int // 1-based page answered 404
	keys   []string
}

func (p *vectaraPager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	vectaraAuthed(p.t, r)
	q := r.URL.Query()
	if q.Get("limit") != "2" || q.Get("corpus_key") != "c1" {
		p.t.Errorf("limit/corpus_key changed: %v", q)
	}
	key := q.Get("page_key")
	_, hasKey := q["page_key"]
	if len(p.keys) == 0 && hasKey {
		p.t.Errorf("first page sent page_key %q", key)
	}
	p.keys = append(p.keys, key)
	n := len(p.keys)
	if n > 20 {
		p.t.Fatalf("runaway iteration")
	}
	if n == p.failOn {
		vectaraError(w, 404, `{"id":"c1","messages":["Corpus not found"],"request_id":"r404"}`)
		return
	}
	idx := min(n-1, len(p.pages)-1)
	body := map[string]any{}
	if len(p.pages[idx]) > 0 { // an empty page omits users
		var users []map[string]any
		for _, u := range p.pages[idx] {
			users = append(users, map[string]any{"username": u})
		}
		body["users"] = users
	}
	switch {
	case n < len(p.pages):
		body["metadata"] = map[string]any{"page_key": fmt.Sprintf("key/%d+=", n+1)}
	case p.last == "empty":
		body["metadata"] = map[string]any{"page_key": ""}
	case p.last == "absent":
		body["metadata"] = map[string]any{}
	default: // a key the client has already followed
		body["metadata"] = map[string]any{"page_key": p.last}
	}
	b, _ := json.Marshal(body)
	mtWriteJSON(w, 200, string(b))
}

var vectaraIterParams = &vectara.ListUsersParams{Limit: client.Ptr[int32](2), CorpusKey: client.Ptr("c1")}

func vectaraNames(t *testing.T, seq func(func(vectara.User, error) bool)) ([]string, []error) {
	t.Helper()
	var names []string
	var errs []error
	for u, err := range seq {
		// An iterator that loops fails here, not when go test kills the
		// binary: no test pages through more than a few dozen items.
		if len(names)+len(errs) >= 100 {
			t.Errorf("iterator still yielding after 100 items: a loop")
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, *u.Username)
	}
	return names, errs
}

func TestVectara_ListUsersIter(t *testing.T) {
	for _, last := range []string{"absent", "empty"} {
		t.Run(last, func(t *testing.T) {
			v, mux := vectaraSetup(t)
			p := &vectaraPager{t: t, pages: [][]string{{"a", "b"}, {}, {"c", "d"}, {"e"}}, last: last}
			mux.Handle("/v2/users", p)
			seq := v.ListUsersIter(context.Background(), vectaraIterParams)
			for range 2 { // ranging twice starts over
				p.keys = nil
				names, errs := vectaraNames(t, seq)
				if len(errs) > 0 || !reflect.DeepEqual(names, []string{"a", "b", "c", "d", "e"}) {
					t.Errorf("names %v errs %v", names, errs)
				}
				if want := []string{"", "key/2+=", "key/3+=", "key/4+="}; !reflect.DeepEqual(p.keys, want) {
					t.Errorf("page keys sent %q, want %q", p.keys, want)
				}
			}
		})
	}
}

// A page_key the client has followed before is an error, not a loop.
func TestVectara_ListUsersIter_repeatedKey(t *testing.T) {
	v, mux := vectaraSetup(t)
	p := &vectaraPager{t: t, pages: [][]string{{"a"}, {"b"}, {"c"}}, last: "key/2+="}
	mux.Handle("/v2/users", p)
	// Bounded by its own timeout (and vectaraNames' item cap): a regression
	// to looping fails in seconds instead of hanging until go test's -timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	names, errs := vectaraNames(t, v.ListUsersIter(ctx, vectaraIterParams))
	// The page that carries the repeated key still yields its own items.
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) || len(errs) != 1 || !errors.Is(errs[0], client.ErrUnexpectedResponse) {
		t.Errorf("names %v errs %v", names, errs)
	}
	if len(p.keys) != 3 {
		t.Errorf("requests %q", p.keys)
	}
	// A server that hands back the key it was given, starting mid-way.
	p2 := &vectaraPager{t: t, pages: [][]string{{"x"}}, last: "start"}
	v2, mux2 := vectaraSetup(t)
	mux2.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		p2.keys = append(p2.keys, r.URL.Query().Get("page_key"))
		mtWriteJSON(w, 200, `{"users":[{"username":"x"}],"metadata":{"page_key":"start"}}`)
	})
	_, errs = vectaraNames(t, v2.ListUsersIter(ctx, &vectara.ListUsersParams{PageKey: client.Ptr("start")}))
	if len(errs) != 1 || len(p2.keys) != 1 {
		t.Errorf("errs %v after %d requests", errs, len(p2.keys))
	}
}

func TestVectara_ListUsersIter_breakAndError(t *testing.T) {
	v, mux := vectaraSetup(t)
	p := &vectaraPager{t: t, pages: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}, last: "absent"}
	mux.Handle("/v2/users", p)
	for u := range v.ListUsersIter(context.Background(), vectaraIterParams) {
		if *u.Username == "c" {
			break
		}
	}
	if len(p.keys) != 2 {
		t.Errorf("fetched %d pages after a break on page 2", len(p.keys))
	}

	v2, mux2 := vectaraSetup(t)
	p2 := &vectaraPager{t: t, pages: [][]string{{"a", "b"}, {"c"}}, last: "absent", failOn: 2}
	mux2.Handle("/v2/users", p2)
	names, errs := vectaraNames(t, v2.ListUsersIter(context.Background(), vectaraIterParams))
	if !reflect.DeepEqual(names, []string{"a", "b"}) || len(errs) != 1 {
		t.Fatalf("names %v errs %v", names, errs)
	}
	ae := mtAPIError(t, errs[0], 404, client.ErrNotFound, "Corpus not found")
	if ae.RequestID != "r404" {
		t.Errorf("RequestID = %q", ae.RequestID)
	}
}

func TestVectara_CreateUser(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		vectaraAuthed(t, r)
		mtJSONBody(t, r, `{"email":"alice@example.com","username":"alice","description":"QA","api_roles":["corpus_administrator"],
			"corpus_roles":[{"corpus_key":"c1","role":"editor"}]}`)
		mtWriteJSON(w, 201, `{"id":"usr_2f9a7c41","email":"alice@example.com","username":"alice","enabled":true,"one_time_code":"730254","one_time_code_link":"https://console.vectara.com/otc"}`)
	})
	u, resp, err := v.CreateUser(context.Background(), vectara.CreateUserRequest{
		Email: "alice@example.com", Username: client.Ptr("alice"), Description: client.Ptr("QA"),
		APIRoles: &[]vectara.APIRole{"corpus_administrator"}, CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "c1", Role: "editor"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &vectara.CreateUsersResponse{ID: client.Ptr("usr_2f9a7c41"), Email: client.Ptr("alice@example.com"), Username: client.Ptr("alice"), Enabled: client.Ptr(true),
		OneTimeCode: client.Ptr("730254"), OneTimeCodeLink: client.Ptr("https://console.vectara.com/otc")}
	if !reflect.DeepEqual(u, want) || resp.StatusCode != 201 {
		t.Errorf("user = %+v (status %d)", u, resp.StatusCode)
	}
}

// The live service may answer with empty username and email: they are
// filled from the request (username defaults to the email).
func TestVectara_CreateUser_fillsEmptyFields(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      vectara.CreateUserRequest
		answer   string
		wantUser string
	}{
		{"empty strings, username given", vectara.CreateUserRequest{Email: "ada@example.com", Username: client.Ptr("ada")}, `{"id":"usr_1","username":"","email":""}`, "ada"},
		{"absent, no username", vectara.CreateUserRequest{Email: "ada@example.com"}, `{"id":"usr_1"}`, "ada@example.com"},
		{"empty username given", vectara.CreateUserRequest{Email: "ada@example.com", Username: client.Ptr("")}, `{"id":"usr_1","username":""}`, "ada@example.com"},
		{"server values win", vectara.CreateUserRequest{Email: "ada@example.com"}, `{"id":"usr_1","username":"srv","email":"srv@example.com"}`, "srv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, mux := vectaraSetup(t)
			mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
				mtWriteJSON(w, 201, tc.answer)
			})
			u, _, err := v.CreateUser(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			wantEmail := tc.req.Email
			if tc.wantUser == "srv" {
				wantEmail = "srv@example.com"
			}
			if u.Username == nil || *u.Username != tc.wantUser || u.Email == nil || *u.Email != wantEmail {
				t.Errorf("username %v email %v", u.Username, u.Email)
			}
		})
	}
}

func TestVectara_CreateUser_errors(t *testing.T) {
	v, mux := vectaraSetup(t)
	var n atomic.Int32
	mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			vectaraError(w, 409, `{"messages":["User with username alice already exists."],"request_id":"r409"}`)
		case 2:
			vectaraError(w, 500, `{"messages":["Internal server error."]}`)
		default:
			mtWriteJSON(w, 200, `{"id":"usr_1"}`) // 200 is not the documented 201
		}
	})
	_, _, err := v.CreateUser(context.Background(), vectara.CreateUserRequest{Email: "alice@example.com"})
	ae := mtAPIError(t, err, 409, client.ErrConflict, "User with username alice already exists.")
	if ae.RequestID != "r409" {
		t.Errorf("RequestID = %q", ae.RequestID)
	}
	_, _, err = v.CreateUser(context.Background(), vectara.CreateUserRequest{Email: "alice@example.com"})
	ae = mtAPIError(t, err, 500, client.ErrServer, "Internal server error.")
	if ae.Attempts != 1 {
		t.Errorf("create retried after 500: %d attempts", ae.Attempts)
	}
	u, _, err := v.CreateUser(context.Background(), vectara.CreateUserRequest{Email: "alice@example.com"})
	if u != nil || !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("200: %v, %v; want a decode error", u, err)
	}
}

// Usernames are percent-encoded exactly once as one path segment.
func TestVectara_GetUser(t *testing.T) {
	for _, tc := range []struct{ name, path string }{
		{"ada@example.com", "/v2/users/ada@example.com"},
		{"a/b", "/v2/users/a%2Fb"},
		{"%41", "/v2/users/%2541"},
		{"alice%40example.com", "/v2/users/alice%2540example.com"},
		{"a b?c#d;e", "/v2/users/a%20b%3Fc%23d%3Be"},
		{"jürgen+1", "/v2/users/j%C3%BCrgen+1"},
		{"...", "/v2/users/..."},
		{"./x", "/v2/users/.%2Fx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, mux := vectaraSetup(t)
			mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
				mtMethod(t, r, "GET")
				vectaraAuthed(t, r)
				mtPath(t, r, tc.path)
				if got := r.PathValue("username"); got != tc.name {
					t.Errorf("username = %q, want %q", got, tc.name)
				}
				b, _ := json.Marshal(map[string]any{"id": "usr_1", "username": tc.name, "email": "ada@example.com", "enabled": false})
				mtWriteJSON(w, 200, string(b))
			})
			u, _, err := v.GetUser(context.Background(), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			want := &vectara.User{ID: client.Ptr("usr_1"), Username: client.Ptr(tc.name), Email: client.Ptr("ada@example.com"), Enabled: client.Ptr(false)}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("user = %+v", u)
			}
		})
	}
	v, _ := vectaraSetup(t)
	for _, name := range []string{"", ".", ".."} {
		_, _, err := v.GetUser(context.Background(), name)
		mtParamError(t, err)
	}
}

func TestVectara_GetUser_error(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		vectaraError(w, 404, `{"id":"nobody@example.com","messages":["User not found."],"request_id":"r1"}`)
	})
	u, _, err := v.GetUser(context.Background(), "nobody@example.com")
	if u != nil {
		t.Errorf("user = %v", u)
	}
	ae := mtAPIError(t, err, 404, client.ErrNotFound, "User not found.")
	if ae.RequestID != "r1" || ae.Operation != "getUser" {
		t.Errorf("APIError = %+v", ae)
	}
}

func TestVectara_UpdateUser(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PATCH")
		vectaraAuthed(t, r)
		mtPath(t, r, "/v2/users/a%2Fb@example.com")
		mtJSONBody(t, r, `{"enabled":false,"api_roles":["corpus_developer"],"agent_roles":[]}`)
		mtWriteJSON(w, 200, `{"username":"a/b@example.com","enabled":false,"api_roles":["corpus_developer"]}`)
	})
	u, _, err := v.UpdateUser(context.Background(), "a/b@example.com", vectara.UpdateUserRequest{
		Enabled: client.Ptr(false), APIRoles: &[]vectara.APIRole{"corpus_developer"}, AgentRoles: &[]vectara.AgentRole{},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &vectara.User{Username: client.Ptr("a/b@example.com"), Enabled: client.Ptr(false), APIRoles: &[]vectara.APIRole{"corpus_developer"}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v", u)
	}
	_, _, err = v.UpdateUser(context.Background(), "..", vectara.UpdateUserRequest{})
	mtParamError(t, err)
}

func TestVectara_UpdateUser_error(t *testing.T) {
	v, mux := vectaraSetup(t)
	var n atomic.Int32
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			vectaraError(w, 400, `{"field_errors":{"api_roles[0]":"unknown role"},"messages":["Invalid role."]}`)
			return
		}
		vectaraError(w, 502, `{"messages":["Bad gateway."]}`)
	})
	_, _, err := v.UpdateUser(context.Background(), "u", vectara.UpdateUserRequest{APIRoles: &[]vectara.APIRole{"nope"}})
	ae := mtAPIError(t, err, 400, client.ErrBadRequest, "Invalid role.")
	if ae.Fields["api_roles[0]"] != "unknown role" {
		t.Errorf("Fields = %v", ae.Fields)
	}
	// PATCH may have been processed: a 502 is not retried.
	_, _, err = v.UpdateUser(context.Background(), "u", vectara.UpdateUserRequest{})
	ae = mtAPIError(t, err, 502, client.ErrServer, "Bad gateway.")
	if ae.Attempts != 1 {
		t.Errorf("PATCH retried: %d attempts", ae.Attempts)
	}
}

func TestVectara_DeleteUser(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		vectaraAuthed(t, r)
		mtPath(t, r, "/v2/users/ada@example.com")
		mtNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := v.DeleteUser(context.Background(), "ada@example.com")
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("resp %v err %v", resp, err)
	}
	_, err = v.DeleteUser(context.Background(), ".")
	mtParamError(t, err)
}

func TestVectara_DeleteUser_error(t *testing.T) {
	v, mux := vectaraSetup(t)
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		vectaraError(w, 403, `{"messages":["Permission denied."],"request_id":"r403"}`)
	})
	_, err := v.DeleteUser(context.Background(), "owner@example.com")
	mtAPIError(t, err, 403, client.ErrForbidden, "Permission denied.")
}

// resetUserPassword: a 200 with a body, an empty 200 (with or without a
// Content-Length, with or without a JSON Content-Type) and a 204 all
// succeed.
func TestVectara_ResetUserPassword(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  vectara.ResetPasswordUsersResponse
	}{
		{"200 body", func(w http.ResponseWriter) {
			mtWriteJSON(w, 200, `{"one_time_code":"730254","one_time_code_link":"https://console.vectara.com/otc"}`)
		}, vectara.ResetPasswordUsersResponse{OneTimeCode: client.Ptr("730254"), OneTimeCodeLink: client.Ptr("https://console.vectara.com/otc")}},
		{"200 {}", func(w http.ResponseWriter) { mtWriteJSON(w, 200, `{}`) }, vectara.ResetPasswordUsersResponse{}},
		{"200 empty", func(w http.ResponseWriter) { w.WriteHeader(200) }, vectara.ResetPasswordUsersResponse{}},
		{"200 empty json", func(w http.ResponseWriter) { mtWriteJSON(w, 200, "") }, vectara.ResetPasswordUsersResponse{}},
		{"200 empty chunked", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			w.(http.Flusher).Flush() // no Content-Length: the client sees -1
		}, vectara.ResetPasswordUsersResponse{}},
		{"200 blank", func(w http.ResponseWriter) { mtWriteJSON(w, 200, " \n") }, vectara.ResetPasswordUsersResponse{}},
		{"204", func(w http.ResponseWriter) { w.WriteHeader(204) }, vectara.ResetPasswordUsersResponse{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, mux := vectaraSetup(t)
			mux.HandleFunc("/v2/users/{username}/reset_password", func(w http.ResponseWriter, r *http.Request) {
				mtMethod(t, r, "POST")
				vectaraAuthed(t, r)
				mtPath(t, r, "/v2/users/ada@example.com/reset_password")
				mtNoBody(t, r)
				tc.serve(w)
			})
			got, _, err := v.ResetUserPassword(context.Background(), "ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("result = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVectara_ResetUserPassword_errors(t *testing.T) {
	v, mux := vectaraSetup(t)
	var n atomic.Int32
	mux.HandleFunc("/v2/users/{username}/reset_password", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			vectaraError(w, 404, `{"id":"x","messages":["User not found."]}`)
			return
		}
		mtWriteJSON(w, 200, `not json`)
	})
	got, _, err := v.ResetUserPassword(context.Background(), "x")
	if got != nil {
		t.Errorf("result = %v", got)
	}
	mtAPIError(t, err, 404, client.ErrNotFound, "User not found.")
	got, _, err = v.ResetUserPassword(context.Background(), "x")
	var de *client.DecodeError
	if got != nil || !errors.As(err, &de) || string(de.Body) != "not json" {
		t.Errorf("garbage 200: %v, %v; want a *DecodeError", got, err)
	}
	_, _, err = v.ResetUserPassword(context.Background(), "")
	mtParamError(t, err)
}

func TestVectara_NoCredentials(t *testing.T) {
	mux, base := mtServer(t, "")
	mux.HandleFunc("/", mtNeverCalled(t))
	v, err := client.NewVectara(client.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"ListUsers":         func() error { _, _, err := v.ListUsers(ctx, nil); return err },
		"CreateUser":        func() error { _, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: "a@b.c"}); return err },
		"GetUser":           func() error { _, _, err := v.GetUser(ctx, "a"); return err },
		"UpdateUser":        func() error { _, _, err := v.UpdateUser(ctx, "a", vectara.UpdateUserRequest{}); return err },
		"DeleteUser":        func() error { _, err := v.DeleteUser(ctx, "a"); return err },
		"ResetUserPassword": func() error { _, _, err := v.ResetUserPassword(ctx, "a"); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { mtNotAuthenticated(t, call()) })
	}
	for _, err := range v.ListUsersIter(ctx, nil) {
		mtNotAuthenticated(t, err)
	}
}

// ---------------------------------------------------------------------------
// OAuth2 client credentials
// ---------------------------------------------------------------------------

const (
	vectaraClientID     = "app-client-1"
	vectaraClientSecret = "sup3r-s3cret-value"
)

// vectaraTokenServer is an RFC 6749 token endpoint issuing tok-1, tok-2...
// with the given expires_in; fail, when set, answers instead.
type vectaraTokenServer struct {
	t         *testing.T
	expiresIn int
	fail      func(w http.ResponseWriter)
	issued    atomic.Int32
	srv       *httptest.Server
}

func newVectaraTokenServer(t *testing.T, expiresIn int) *vectaraTokenServer {
	ts := &vectaraTokenServer{t: t, expiresIn: expiresIn}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *vectaraTokenServer) url() string { return ts.srv.URL + "/oauth2/token" }

func (ts *vectaraTokenServer) serve(w http.ResponseWriter, r *http.Request) {
	t := ts.t
	if r.Method != "POST" || r.URL.Path != "/oauth2/token" {
		t.Errorf("token request %s %s", r.Method, r.URL)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("token Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		t.Error(err)
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		t.Errorf("grant_type = %q", g)
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if ts.fail != nil {
		ts.fail(w)
		return
	}
	if id != vectaraClientID || secret != vectaraClientSecret {
		t.Errorf("client credentials %q/%q", id, secret)
	}
	n := ts.issued.Add(1)
	mtWriteJSON(w, 200, fmt.Sprintf(`{"access_token":"tok-%d","token_type":"Bearer","expires_in":%d}`, n, ts.expiresIn))
}

// vectaraOAuthSetup returns a client-credentials client and a handler
// counter; the API answers users with the bearer token it saw.
func vectaraOAuthSetup(t *testing.T, ts *vectaraTokenServer, opts ...client.ClientOption) (*client.Vectara, *atomic.Value, *atomic.Int32) {
	t.Helper()
	mux, base := mtServer(t, "")
	var lastAuth atomic.Value
	var calls atomic.Int32
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		mtNoHeader(t, r, "x-api-key")
		lastAuth.Store(r.Header.Get("Authorization"))
		mtWriteJSON(w, 200, `{"username":"u"}`)
	})
	v, err := client.NewVectara(append([]client.ClientOption{client.WithBaseURL(base), client.WithClientCredentials(vectaraClientID, vectaraClientSecret, ts.url()), mtFast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v, &lastAuth, &calls
}

// A token with a long life is fetched once and reused across many calls,
// including concurrent ones.
func TestVectara_OAuth2_cachesToken(t *testing.T) {
	ts := newVectaraTokenServer(t, 1800)
	v, lastAuth, calls := vectaraOAuthSetup(t, ts)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 5 {
				if _, _, err := v.GetUser(context.Background(), "u"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if ts.issued.Load() != 1 || calls.Load() != 80 {
		t.Errorf("%d tokens fetched for %d calls, want 1", ts.issued.Load(), calls.Load())
	}
	if got := lastAuth.Load(); got != "Bearer tok-1" {
		t.Errorf("Authorization = %v", got)
	}
}

// oauth2 treats a token as expired expiryDelta (10 s) before its expiry.
// With expires_in 11 a token is good for about one second: reused within
// it, renewed after it.
func TestVectara_OAuth2_renewsAfterExpiry(t *testing.T) {
	ts := newVectaraTokenServer(t, 11)
	v, lastAuth, _ := vectaraOAuthSetup(t, ts)
	ctx := context.Background()
	for range 3 {
		if _, _, err := v.GetUser(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	}
	if ts.issued.Load() != 1 || lastAuth.Load() != "Bearer tok-1" {
		t.Fatalf("%d tokens within the lifetime (auth %v), want 1", ts.issued.Load(), lastAuth.Load())
	}
	time.Sleep(1500 * time.Millisecond)
	if _, _, err := v.GetUser(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	if ts.issued.Load() != 2 || lastAuth.Load() != "Bearer tok-2" {
		t.Errorf("after expiry: %d tokens, auth %v; want a renewed tok-2", ts.issued.Load(), lastAuth.Load())
	}
}

// With expires_in within the 10 s expiry delta (2..10) every call needs a
// fresh token.
func TestVectara_OAuth2_shortLivedTokenRefetched(t *testing.T) {
	ts := newVectaraTokenServer(t, 5)
	v, lastAuth, _ := vectaraOAuthSetup(t, ts)
	for i := 1; i <= 3; i++ {
		if _, _, err := v.GetUser(context.Background(), "u"); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Bearer tok-%d", i); lastAuth.Load() != want {
			t.Errorf("call %d: Authorization %v, want %s", i, lastAuth.Load(), want)
		}
	}
}

// A token the service refuses (401) is dropped and the call resent once
// with a fresh token.
func TestVectara_OAuth2_refusedTokenRenewed(t *testing.T) {
	ts := newVectaraTokenServer(t, 1800)
	mux, base := mtServer(t, "")
	var seen []string
	mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			vectaraError(w, 401, `{"messages":["Token expired."]}`)
			return
		}
		mtWriteJSON(w, 201, `{"username":"u","email":"u@x"}`)
	})
	v, err := client.NewVectara(client.WithBaseURL(base), client.WithClientCredentials(vectaraClientID, vectaraClientSecret, ts.url()))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.CreateUser(context.Background(), vectara.CreateUserRequest{Email: "u@x"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, []string{"Bearer tok-1", "Bearer tok-2"}) {
		t.Errorf("Authorization sent %q", seen)
	}
}

// The client secret (and the access token) never appears in errors or
// logs, whatever the token endpoint answers.
func TestVectara_OAuth2_secretNeverInErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     func(w http.ResponseWriter)
		sentinel error
	}{
		{"401 echoing the secret", func(w http.ResponseWriter) {
			mtWriteJSON(w, 401, `{"error":"invalid_client","error_description":"client secret `+vectaraClientSecret+` is wrong"}`)
		}, client.ErrUnauthorized},
		{"400 form body echoing", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, "error=invalid_request&client_secret="+vectaraClientSecret)
		}, client.ErrUnauthorized},
		{"500 html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "<pre>"+vectaraClientSecret+"</pre>")
		}, nil},
		{"200 without a token", func(w http.ResponseWriter) { mtWriteJSON(w, 200, `{"secret":"`+vectaraClientSecret+`"}`) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newVectaraTokenServer(t, 1800)
			ts.fail = tc.fail
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			v, _, calls := vectaraOAuthSetup(t, ts, client.WithLogger(logger))
			_, _, err := v.GetUser(context.Background(), "u")
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), vectaraClientSecret) || strings.Contains(fmt.Sprintf("%+v", err), vectaraClientSecret) {
				t.Errorf("error carries the secret: %v", err)
			}
			if strings.Contains(logs.String(), vectaraClientSecret) {
				t.Errorf("log carries the secret: %s", logs.String())
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			var ae *client.APIError
			if errors.As(err, &ae) {
				t.Errorf("an *APIError means the API was called: %v", ae)
			}
			if calls.Load() != 0 {
				t.Errorf("the API saw %d requests without a token", calls.Load())
			}
		})
	}
	// An unreachable token endpoint.
	ts := newVectaraTokenServer(t, 1800)
	ts.srv.Close()
	v, _, calls := vectaraOAuthSetup(t, ts, client.WithMaxRetries(0))
	_, _, err := v.GetUser(context.Background(), "u")
	if err == nil || strings.Contains(err.Error(), vectaraClientSecret) || calls.Load() != 0 {
		t.Errorf("unreachable token endpoint: err %v, API calls %d", err, calls.Load())
	}
}

// WithTokenSource supplies bearer tokens; an API key takes precedence.
func TestVectara_TokenSourceAndAPIKey(t *testing.T) {
	mux, base := mtServer(t, "")
	var auth, key atomic.Value
	mux.HandleFunc("/v2/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		key.Store(r.Header.Get("X-Api-Key"))
		mtWriteJSON(w, 200, `{}`)
	})
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static-tok"})
	v, err := client.NewVectara(client.WithBaseURL(base), client.WithTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.GetUser(context.Background(), "u"); err != nil {
		t.Fatal(err)
	}
	if auth.Load() != "Bearer static-tok" || key.Load() != "" {
		t.Errorf("Authorization %v, x-api-key %v", auth.Load(), key.Load())
	}
	v, err = client.NewVectara(client.WithBaseURL(base), client.WithTokenSource(ts), client.WithAPIKey(vectaraKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.GetUser(context.Background(), "u"); err != nil {
		t.Fatal(err)
	}
	if auth.Load() != "" || key.Load() != vectaraKey {
		t.Errorf("Authorization %v, x-api-key %v", auth.Load(), key.Load())
	}
}

// Servers may send a policy of allowed_operations as null (upstream's
// description) or as {"allow_any_resource": true} (what its schema allows):
// the facade gives callers the object either way.
func TestVectara_AllowedOperationsNullOrObject(t *testing.T) {
	for name, policy := range map[string]string{"null": `null`, "object": `{"allow_any_resource":true}`} {
		t.Run(name, func(t *testing.T) {
			v, mux := vectaraSetup(t)
			mux.HandleFunc("/v2/users/ada", func(w http.ResponseWriter, r *http.Request) {
				mtWriteJSON(w, 200, `{"username":"ada","api_policy":{"name":"r","allowed_operations":{"listUsers":`+policy+
					`,"queryCorpus":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["c1"]}}}}}`)
			})
			u, _, err := v.GetUser(context.Background(), "ada")
			require.NoError(t, err)
			ops := u.APIPolicy.AllowedOperations
			require.NotNil(t, ops["listUsers"])
			assert.True(t, ops["listUsers"].AllowAnyResource)
			require.NotNil(t, ops["queryCorpus"])
			assert.False(t, ops["queryCorpus"].AllowAnyResource)
		})
	}
}
