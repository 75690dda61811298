package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/kipu"
)

// ---------------------------------------------------------------------------
// Shared helpers for the per-method tests (kipu, harbor, homebox, vectara).
// They carry the mt prefix so as not to clash with other client_test files.
// ---------------------------------------------------------------------------

// mtServer starts a server whose mux is mounted under base, in the style of
// go-github's setup: a method that drops the base path hits the fallback
// handler, which fails the test.
func mtServer(t *testing.T, base string) (*http.ServeMux, string) {
	t.Helper()
	mux := http.NewServeMux()
	if base == "" { // the service lives at the root (Vectara)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return mux, srv.URL
	}
	root := http.NewServeMux()
	root.Handle(base+"/", http.StripPrefix(base, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path %q: %s %s", base, r.Method, r.RequestURI)
		http.Error(w, "not under the base path", http.StatusNotFound)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return mux, srv.URL
}

// mtNeverCalled is a handler for servers that must see no request.
func mtNeverCalled(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.RequestURI)
		w.WriteHeader(http.StatusTeapot)
	}
}

func mtMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// mtPath checks the escaped path below the base path.
func mtPath(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.URL.EscapedPath(); got != want {
		t.Errorf("escaped path = %q, want %q", got, want)
	}
}

func mtHeader(t *testing.T, r *http.Request, key, want string) {
	t.Helper()
	if got := r.Header.Values(key); len(got) != 1 || got[0] != want {
		t.Errorf("header %s = %q, want exactly [%q]", key, got, want)
	}
}

func mtNoHeader(t *testing.T, r *http.Request, key string) {
	t.Helper()
	if got, ok := r.Header[http.CanonicalHeaderKey(key)]; ok {
		t.Errorf("header %s = %q, want none", key, got)
	}
}

// mtQuery checks the decoded query is exactly want (nil: no query).
func mtQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query = %v, want %v (raw %q)", got, want, r.URL.RawQuery)
	}
}

// mtJSONBody checks the request body is JSON equal to want and its
// Content-Type is exactly application/json.
func mtJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Errorf("body %q is not JSON: %v", b, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body = %s, want %s", b, want)
	}
}

func mtNoBody(t *testing.T, r *http.Request) {
	t.Helper()
	b, _ := io.ReadAll(r.Body)
	if len(b) != 0 {
		t.Errorf("body = %q, want none", b)
	}
}

func mtWriteJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// mtAPIError checks err is an *APIError of status, matching sentinel, with
// the service's decoded message.
func mtAPIError(t *testing.T, err error, status int, sentinel error, msg string) *client.APIError {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %T %v, want *client.APIError", err, err)
	}
	if ae.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", ae.StatusCode, status)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, %v) = false", err, sentinel)
	}
	if ae.Message != msg {
		t.Errorf("Message = %q, want %q", ae.Message, msg)
	}
	return ae
}

// mtParamError checks err was refused before sending.
func mtParamError(t *testing.T, err error) {
	t.Helper()
	var pe *client.ParamError
	if !errors.As(err, &pe) || !errors.Is(err, client.ErrInvalidParam) {
		t.Errorf("error = %v, want a *client.ParamError wrapping ErrInvalidParam", err)
	}
}

func mtNotAuthenticated(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, client.ErrNotAuthenticated) {
		t.Errorf("error = %v, want ErrNotAuthenticated", err)
	}
	var ae *client.APIError
	if errors.As(err, &ae) {
		t.Errorf("got an *APIError (%v): the request was sent", ae)
	}
}

// mtFast keeps retrying tests quick.
var mtFast = client.WithRetryBackoff(time.Millisecond, 2*time.Millisecond)

// ---------------------------------------------------------------------------
// Kipu
// ---------------------------------------------------------------------------

const kipuToken = "kqh_pat_client"

// kipuSetup returns a client with a personal access token and its mux,
// mounted at /user-service.
func kipuSetup(t *testing.T, opts ...client.ClientOption) (*client.Kipu, *http.ServeMux) {
	t.Helper()
	mux, base := mtServer(t, "/user-service")
	all := append([]client.ClientOption{
		client.WithBaseURL(base + "/user-service"),
		client.WithPersonalAccessToken(kipuToken),
		mtFast,
	}, opts...)
	k, err := client.NewKipu(all...)
	if err != nil {
		t.Fatal(err)
	}
	return k, mux
}

// kipuAuthed checks the request carries the client's token.
func kipuAuthed(t *testing.T, r *http.Request) {
	t.Helper()
	mtHeader(t, r, "X-Auth-Token", kipuToken)
	mtHeader(t, r, "User-Agent", "userapis-go/"+client.Version)
}

func kipuError(w http.ResponseWriter, status int, errText, message string) {
	body := map[string]any{"timestamp": "2026-02-01T12:00:00.000+00:00", "status": status, "error": errText, "path": "/user-service/x"}
	if message != "" {
		body["message"] = message
	}
	b, _ := json.Marshal(body)
	mtWriteJSON(w, status, string(b))
}

func TestKipu_GetCurrentUser(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuAuthed(t, r)
		mtQuery(t, r, nil)
		mtWriteJSON(w, 200, `{"id":"u-1","username":"alice@example.com","email":"alice@example.com","firstname":"Alice","lastname":null,"homepage":"https://example.com"}`)
	})
	u, resp, err := k.GetCurrentUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &kipu.UserDto{ID: "u-1", Username: client.Ptr("alice@example.com"), Email: client.Ptr("alice@example.com"), Firstname: client.Ptr("Alice"), Homepage: client.Ptr("https://example.com")}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v, want %+v", u, want)
	}
	if resp.StatusCode != 200 || resp.Attempts != 1 {
		t.Errorf("resp status %d attempts %d", resp.StatusCode, resp.Attempts)
	}
}

func TestKipu_GetCurrentUser_errors(t *testing.T) {
	k, mux := kipuSetup(t)
	n := 0
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			kipuError(w, 401, "Unauthorized", "") // Spring omits message by default
			return
		}
		kipuError(w, 403, "Forbidden", "Access denied")
	})
	_, _, err := k.GetCurrentUser(context.Background())
	ae := mtAPIError(t, err, 401, client.ErrUnauthorized, "Unauthorized")
	if ae.Code != "Unauthorized" || ae.Service != "kipu" || ae.Operation != "getCurrentUser" {
		t.Errorf("APIError = %+v", ae)
	}
	if strings.Contains(err.Error(), kipuToken) {
		t.Errorf("error %q carries the token", err)
	}
	_, _, err = k.GetCurrentUser(context.Background())
	mtAPIError(t, err, 403, client.ErrForbidden, "Access denied")
}

func TestKipu_GetCurrentUser_undecodable(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>proxy</html>")
	})
	u, _, err := k.GetCurrentUser(context.Background())
	var de *client.DecodeError
	if u != nil || !errors.As(err, &de) || !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Fatalf("got %v, %v; want nil and a *DecodeError", u, err)
	}
	if string(de.Body) != "<html>proxy</html>" || de.StatusCode != 200 {
		t.Errorf("DecodeError = %+v", de)
	}
}

func TestKipu_UpdateCurrentUser(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		kipuAuthed(t, r)
		// nil fields are omitted: the service clears them (replace semantics).
		mtJSONBody(t, r, `{"currentPosition":"CTO","about":"Quantum"}`)
		mtWriteJSON(w, 200, `{"id":"u-1","currentPosition":"CTO","about":"Quantum","homepage":null}`)
	})
	u, _, err := k.UpdateCurrentUser(context.Background(), kipu.UpdateUserRequest{CurrentPosition: client.Ptr("CTO"), About: client.Ptr("Quantum")})
	if err != nil {
		t.Fatal(err)
	}
	want := &kipu.UserDto{ID: "u-1", CurrentPosition: client.Ptr("CTO"), About: client.Ptr("Quantum")}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v, want %+v", u, want)
	}
}

func TestKipu_UpdateCurrentUser_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 400, "Bad Request", "homepage: must be a valid URL")
	})
	u, _, err := k.UpdateCurrentUser(context.Background(), kipu.UpdateUserRequest{Homepage: client.Ptr("nope")})
	if u != nil {
		t.Errorf("user = %v, want nil", u)
	}
	ae := mtAPIError(t, err, 400, client.ErrBadRequest, "homepage: must be a valid URL")
	if ae.Code != "Bad Request" {
		t.Errorf("Code = %q", ae.Code)
	}
}

func TestKipu_DeleteCurrentUser(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		kipuAuthed(t, r)
		mtNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := k.DeleteCurrentUser(context.Background())
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("resp %v, err %v", resp, err)
	}
}

func TestKipu_DeleteCurrentUser_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 403, "Forbidden", "Access denied")
	})
	_, err := k.DeleteCurrentUser(context.Background())
	mtAPIError(t, err, 403, client.ErrForbidden, "Access denied")
}

func TestKipu_DeleteCurrentUser_undocumentedStatus(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	_, err := k.DeleteCurrentUser(context.Background())
	if !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("err = %v, want ErrUnexpectedResponse for an undocumented 200", err)
	}
}

// pngBytes is a PNG signature followed by arbitrary bytes, including NUL
// and CR LF, which must arrive intact.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, '\r', '\n', 0xff}, 300)...)

// kipuReadUpload parses the multipart upload and returns its single part.
func kipuReadUpload(t *testing.T, r *http.Request) (field, filename, contentType string, data []byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q (%v), want multipart/form-data with a boundary", r.Header.Get("Content-Type"), err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		t.Fatal(err)
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more than one part (next: %v)", err)
	}
	return p.FormName(), p.FileName(), p.Header.Get("Content-Type"), data
}

func TestKipu_UpdateCurrentUserProfileImage(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		kipuAuthed(t, r)
		field, filename, ct, data := kipuReadUpload(t, r)
		if field != "file" || filename != "avatar.png" || ct != "image/png" {
			t.Errorf("part field %q filename %q content type %q", field, filename, ct)
		}
		if !bytes.Equal(data, pngBytes) {
			t.Errorf("data differs: got %d bytes, want %d", len(data), len(pngBytes))
		}
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := k.UpdateCurrentUserProfileImage(context.Background(), "avatar.png", bytes.NewReader(pngBytes))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("resp %v, err %v", resp, err)
	}
}

// The filename reaches the server as given: non-ASCII and spaces intact
// (it used to be quoted with %q, whose \u escapes are not MIME escapes),
// quotes, backslashes and control characters dropped, never empty.
func TestKipu_UpdateCurrentUserProfileImage_filenames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"résumé photo.png", "résumé photo.png"},
		{"my\u00a0photo\u200b.png", "my\u00a0photo\u200b.png"},
		{`a"b\c` + "\r\n.png", "abc.png"},
		{"", "profile-image"},
		{`""`, "profile-image"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			k, mux := kipuSetup(t)
			mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
				_, filename, ct, data := kipuReadUpload(t, r)
				if filename != tc.want {
					t.Errorf("filename = %q, want %q", filename, tc.want)
				}
				if ct != "text/plain; charset=utf-8" || string(data) != "hello" {
					t.Errorf("content type %q data %q", ct, data)
				}
				w.WriteHeader(http.StatusNoContent)
			})
			if _, err := k.UpdateCurrentUserProfileImage(context.Background(), tc.in, strings.NewReader("hello")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// PUT is idempotent: a 503 is retried and the whole body is sent again.
func TestKipu_UpdateCurrentUserProfileImage_retryResendsBody(t *testing.T) {
	k, mux := kipuSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
		_, _, _, data := kipuReadUpload(t, r)
		if !bytes.Equal(data, pngBytes) {
			t.Errorf("attempt %d: data differs", calls.Load()+1)
		}
		if calls.Add(1) == 1 {
			kipuError(w, 503, "Service Unavailable", "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := k.UpdateCurrentUserProfileImage(context.Background(), "a.png", bytes.NewReader(pngBytes))
	if err != nil || resp.Attempts != 2 || calls.Load() != 2 {
		t.Fatalf("err %v, attempts %v, calls %d", err, resp, calls.Load())
	}
}

func TestKipu_UpdateCurrentUserProfileImage_errors(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 400, "Bad Request", "file: unreadable image")
	})
	_, err := k.UpdateCurrentUserProfileImage(context.Background(), "x.png", bytes.NewReader(pngBytes))
	mtAPIError(t, err, 400, client.ErrBadRequest, "file: unreadable image")

	// Refused before sending.
	_, err = k.UpdateCurrentUserProfileImage(context.Background(), "x.png", nil)
	mtParamError(t, err)
	_, err = k.UpdateCurrentUserProfileImage(context.Background(), "x.png", strings.NewReader(""))
	mtParamError(t, err)
}

func TestKipu_DeleteCurrentUserProfileImage(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		kipuAuthed(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := k.DeleteCurrentUserProfileImage(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestKipu_DeleteCurrentUserProfileImage_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/profile-image", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 401, "Unauthorized", "")
	})
	_, err := k.DeleteCurrentUserProfileImage(context.Background())
	mtAPIError(t, err, 401, client.ErrUnauthorized, "Unauthorized")
}

func TestKipu_GetPersonalAccessTokens(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuAuthed(t, r)
		mtWriteJSON(w, 200, `{"defaultToken":"kqh_default_1","accessTokens":[
			{"id":"t-1","name":"ci","createdAt":"2026-01-15 09:30:00","usedAt":null,"expiresAt":"2027-01-01","value":null},
			{"id":"t-2","name":"laptop","createdAt":"2026-01-20 18:45:12"}]}`)
	})
	got, _, err := k.GetPersonalAccessTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Kipu's "yyyy-MM-dd HH:mm:ss" (UTC) and "yyyy-MM-dd" become time.Time.
	want := &client.KipuAccessTokens{
		DefaultToken: "kqh_default_1",
		Tokens: []client.KipuAccessToken{
			{ID: "t-1", Name: "ci", CreatedAt: time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC), ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
			{ID: "t-2", Name: "laptop", CreatedAt: time.Date(2026, 1, 20, 18, 45, 12, 0, time.UTC)},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokens = %+v, want %+v", got, want)
	}
}

func TestKipu_GetPersonalAccessTokens_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 403, "Forbidden", "Access denied")
	})
	got, _, err := k.GetPersonalAccessTokens(context.Background())
	if got != nil {
		t.Errorf("result %v, want nil", got)
	}
	mtAPIError(t, err, 403, client.ErrForbidden, "Access denied")
}

func TestKipu_CreatePersonalAccessToken(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		kipuAuthed(t, r)
		mtJSONBody(t, r, `{"name":"ci-token","expiresAt":"2027-01-01"}`)
		mtWriteJSON(w, 200, `{"id":"t-9","name":"ci-token","createdAt":"2026-01-15 09:30:00","usedAt":null,"expiresAt":"2027-01-01","value":"kqh_pat_new"}`)
	})
	// Only the date is sent, in UTC: 23:30 on 31 Dec in UTC-2 is 1 Jan in UTC.
	exp := time.Date(2026, 12, 31, 23, 30, 0, 0, time.FixedZone("UTC-2", -2*3600))
	got, _, err := k.CreatePersonalAccessToken(context.Background(), client.KipuTokenRequest{Name: "ci-token", ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	want := &client.KipuAccessToken{ID: "t-9", Name: "ci-token", CreatedAt: time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC),
		ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Value: "kqh_pat_new"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("token = %+v, want %+v", got, want)
	}
}

// A token without expiry sends no expiresAt; a timestamp that is not
// Kipu's layout is a *DecodeError, not a zero time.
func TestKipu_CreatePersonalAccessToken_timestamps(t *testing.T) {
	k, mux := kipuSetup(t)
	answer := `{"id":"t-9","name":"n","createdAt":"2026-01-15T09:30:00Z","value":"v"}`
	mux.HandleFunc("/me/personal-access-tokens", func(w http.ResponseWriter, r *http.Request) {
		mtJSONBody(t, r, `{"name":"n"}`)
		mtWriteJSON(w, 200, answer)
	})
	got, _, err := k.CreatePersonalAccessToken(context.Background(), client.KipuTokenRequest{Name: "n"})
	if got != nil || !errors.Is(err, client.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "createdAt") {
		t.Errorf("RFC 3339 createdAt: got %+v, %v; want a DecodeError naming createdAt", got, err)
	}
	answer = `{"id":"t-9","name":"n","createdAt":"2026-01-15 09:30:00","usedAt":null,"expiresAt":null,"value":"v"}`
	got, _, err = k.CreatePersonalAccessToken(context.Background(), client.KipuTokenRequest{Name: "n"})
	if err != nil || !got.UsedAt.IsZero() || !got.ExpiresAt.IsZero() {
		t.Errorf("nulls: got %+v, %v; want zero times", got, err)
	}
}

// A POST that failed with 500 may have been processed: it is not retried.
func TestKipu_CreatePersonalAccessToken_errors(t *testing.T) {
	k, mux := kipuSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/me/personal-access-tokens", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			kipuError(w, 400, "Bad Request", "name: must not be blank")
			return
		}
		kipuError(w, 500, "Internal Server Error", "boom")
	})
	_, _, err := k.CreatePersonalAccessToken(context.Background(), client.KipuTokenRequest{Name: " "})
	mtAPIError(t, err, 400, client.ErrBadRequest, "name: must not be blank")
	_, _, err = k.CreatePersonalAccessToken(context.Background(), client.KipuTokenRequest{Name: "x"})
	ae := mtAPIError(t, err, 500, client.ErrServer, "boom")
	if ae.Attempts != 1 || calls.Load() != 2 {
		t.Errorf("POST retried on 500: attempts %d, calls %d", ae.Attempts, calls.Load())
	}
}

func TestKipu_DeletePersonalAccessToken(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		kipuAuthed(t, r)
		mtPath(t, r, "/me/personal-access-tokens/tok%2F1%20%2541")
		if id := r.PathValue("id"); id != "tok/1 %41" {
			t.Errorf("id = %q", id)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := k.DeletePersonalAccessToken(context.Background(), "tok/1 %41"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", ".", ".."} {
		_, err := k.DeletePersonalAccessToken(context.Background(), id)
		mtParamError(t, err)
	}
}

func TestKipu_DeletePersonalAccessToken_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 404, "Not Found", "Token not found")
	})
	_, err := k.DeletePersonalAccessToken(context.Background(), "t-404")
	mtAPIError(t, err, 404, client.ErrNotFound, "Token not found")
}

func TestKipu_RegenerateDefaultPersonalAccessToken(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens/default", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		kipuAuthed(t, r)
		mtNoBody(t, r)
		mtWriteJSON(w, 200, `{"defaultToken":"kqh_default_new"}`)
	})
	got, _, err := k.RegenerateDefaultPersonalAccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultToken != "kqh_default_new" {
		t.Errorf("token = %+v", got)
	}
}

func TestKipu_RegenerateDefaultPersonalAccessToken_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/me/personal-access-tokens/default", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 401, "Unauthorized", "token expired")
	})
	_, _, err := k.RegenerateDefaultPersonalAccessToken(context.Background())
	mtAPIError(t, err, 401, client.ErrUnauthorized, "token expired")
}

// authorize is public: the token travels as the argument, never the
// client's own; a client without a token may call it.
func TestKipu_AuthorizeByPersonalAccessToken(t *testing.T) {
	for _, withToken := range []bool{true, false} {
		opts := []client.ClientOption{}
		if !withToken {
			opts = append(opts, client.WithPersonalAccessToken(""))
		}
		k, mux := kipuSetup(t, opts...)
		mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
			mtMethod(t, r, "GET")
			mtHeader(t, r, "X-Auth-Token", "kqh_pat_other")
			mtQuery(t, r, nil)
			mtWriteJSON(w, 200, `{"id":"u-7","accessToken":{"id":"t-1","name":"ci","createdAt":"2026-01-15 09:30:00","usedAt":"2026-02-01 12:00:05","expiresAt":null}}`)
		})
		p, _, err := k.AuthorizeByPersonalAccessToken(context.Background(), "kqh_pat_other")
		if err != nil {
			t.Fatal(err)
		}
		want := &client.KipuPrincipal{UserID: "u-7", AccessToken: &client.KipuAccessToken{ID: "t-1", Name: "ci",
			CreatedAt: time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC), UsedAt: time.Date(2026, 2, 1, 12, 0, 5, 0, time.UTC)}}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("principal = %+v, want %+v", p, want)
		}
	}
}

func TestKipu_AuthorizeByPersonalAccessToken_errors(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 401, "Unauthorized", "unknown token")
	})
	_, _, err := k.AuthorizeByPersonalAccessToken(context.Background(), "kqh_bad")
	mtAPIError(t, err, 401, client.ErrUnauthorized, "unknown token")
	if strings.Contains(err.Error(), "kqh_bad") {
		t.Errorf("error %q carries the token", err)
	}
	_, _, err = k.AuthorizeByPersonalAccessToken(context.Background(), "")
	mtParamError(t, err)
}

// kipuPublic checks a public request carries no credential at all.
func kipuPublic(t *testing.T, r *http.Request) {
	t.Helper()
	mtNoHeader(t, r, "X-Auth-Token")
	mtNoHeader(t, r, "Authorization")
}

func TestKipu_GetUserByID(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuPublic(t, r)
		mtPath(t, r, "/users/8f6b1c2e%2F%3F%23")
		mtWriteJSON(w, 200, `{"id":"8f6b1c2e/?#","firstname":"Alice","lastname":null}`)
	})
	u, _, err := k.GetUserByID(context.Background(), "8f6b1c2e/?#")
	if err != nil {
		t.Fatal(err)
	}
	want := &kipu.UserOverviewDto{ID: "8f6b1c2e/?#", Firstname: client.Ptr("Alice")}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v, want %+v", u, want)
	}
	for _, id := range []string{"", ".", ".."} {
		_, _, err := k.GetUserByID(context.Background(), id)
		mtParamError(t, err)
	}
}

func TestKipu_GetUserByID_error(t *testing.T) {
	k, mux := kipuSetup(t, client.WithPersonalAccessToken(""))
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 404, "Not Found", "User not found")
	})
	u, _, err := k.GetUserByID(context.Background(), "nobody")
	if u != nil {
		t.Errorf("user = %v", u)
	}
	mtAPIError(t, err, 404, client.ErrNotFound, "User not found")
}

func TestKipu_CheckUserExists(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "HEAD")
		kipuPublic(t, r)
		switch r.PathValue("id") {
		case "alice":
			w.WriteHeader(200)
		case "bob":
			w.WriteHeader(404)
		case "teapot":
			w.WriteHeader(403)
		default:
			w.WriteHeader(500)
		}
	})
	ctx := context.Background()
	if ok, _, err := k.CheckUserExists(ctx, "alice"); !ok || err != nil {
		t.Errorf("alice: %v, %v; want true, nil", ok, err)
	}
	if ok, resp, err := k.CheckUserExists(ctx, "bob"); ok || err != nil || resp.StatusCode != 404 {
		t.Errorf("bob: %v, %v; want false, nil", ok, err)
	}
	ok, _, err := k.CheckUserExists(ctx, "teapot")
	if ok {
		t.Error("403: exists = true")
	}
	mtAPIError(t, err, 403, client.ErrForbidden, "") // HEAD answers have no body
	ok, _, err = k.CheckUserExists(ctx, "down", client.WithMaxRetries(0))
	if ok {
		t.Error("500: exists = true")
	}
	mtAPIError(t, err, 500, client.ErrServer, "")
	_, _, err = k.CheckUserExists(ctx, "..")
	mtParamError(t, err)
}

// TestKipu_GetUserProfileImage: the seed's nullable string. A data: URI
// comes back as a string, JSON null and an empty body as nil without an
// error, an unknown user as ErrNotFound, and a body that is neither a JSON
// string nor null (raw image bytes, an object) as a *DecodeError.
func TestKipu_GetUserProfileImage(t *testing.T) {
	k, mux := kipuSetup(t)
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes)
	mux.HandleFunc("/users/{id}/profile-image", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuPublic(t, r)
		switch r.PathValue("id") {
		case "alice":
			mtWriteJSON(w, 200, `"`+uri+`"`)
		case "noimage":
			mtWriteJSON(w, 200, `null`)
		case "empty":
			w.WriteHeader(http.StatusOK)
		case "bytes":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(pngBytes)
		case "object":
			mtWriteJSON(w, 200, `{"image":"x"}`)
		default:
			kipuError(w, 404, "Not Found", "User not found")
		}
	})
	ctx := context.Background()
	img, _, err := k.GetUserProfileImage(ctx, "alice")
	if err != nil || img == nil || *img != uri {
		t.Fatalf("alice: %v, %v", img, err)
	}
	ct, data, err := client.ParseDataURI(*img)
	if err != nil || ct != "image/png" || !bytes.Equal(data, pngBytes) {
		t.Errorf("ParseDataURI: %q, %d bytes, %v", ct, len(data), err)
	}
	for _, id := range []string{"noimage", "empty"} {
		img, resp, err := k.GetUserProfileImage(ctx, id)
		if img != nil || err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v, %v; want nil, nil", id, img, err)
		}
	}
	img, _, err = k.GetUserProfileImage(ctx, "nobody")
	if img != nil {
		t.Error("404 gave an image")
	}
	mtAPIError(t, err, 404, client.ErrNotFound, "User not found")
	for _, id := range []string{"bytes", "object"} {
		img, _, err = k.GetUserProfileImage(ctx, id)
		var de *client.DecodeError
		if img != nil || !errors.As(err, &de) {
			t.Errorf("%s: %v, %v; want a *DecodeError", id, img, err)
		}
	}
	for _, bad := range []string{"image/png;base64,AA==", "data:image/png,AA==", "data:image/png;base64", "data:image/png;base64,@@"} {
		if _, _, err := client.ParseDataURI(bad); err == nil {
			t.Errorf("ParseDataURI(%q) accepted", bad)
		}
	}
}

// TestKipu_BearerToken: an OAuth2 access token is sent as Authorization:
// Bearer instead of X-Auth-Token, and wins over a personal access token.
func TestKipu_BearerToken(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		mtWriteJSON(w, 200, `{"id":"u-1"}`)
	}))
	t.Cleanup(srv.Close)
	k, err := client.NewKipu(client.WithBaseURL(srv.URL), client.WithBearerToken("at-123"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.GetCurrentUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer at-123" || got.Get("X-Auth-Token") != "" {
		t.Errorf("headers: Authorization %q, X-Auth-Token %q", got.Get("Authorization"), got.Get("X-Auth-Token"))
	}
	k, _ = client.NewKipu(client.WithBaseURL(srv.URL), client.WithPersonalAccessToken("pat"), client.WithBearerToken("Bearer at-9"))
	if _, _, err := k.GetCurrentUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer at-9" || got.Get("X-Auth-Token") != "" {
		t.Errorf("both given: Authorization %q, X-Auth-Token %q", got.Get("Authorization"), got.Get("X-Auth-Token"))
	}
	k, _ = client.NewKipu(client.WithBaseURL(srv.URL), client.WithPersonalAccessToken("pat"))
	if _, _, err := k.GetCurrentUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "" || got.Get("X-Auth-Token") != "pat" {
		t.Errorf("PAT: Authorization %q, X-Auth-Token %q", got.Get("Authorization"), got.Get("X-Auth-Token"))
	}
}

func TestKipu_GetUserRegistrationStatus(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/registration-status", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuPublic(t, r)
		mtQuery(t, r, url.Values{"email": {"a+b&c=d@example.com"}})
		mtWriteJSON(w, 200, `{"status":"APPROVED","message":"The user is registered and approved."}`)
	})
	got, _, err := k.GetUserRegistrationStatus(context.Background(), "a+b&c=d@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != kipu.RegistrationResponseStatusAPPROVED || got.Message == nil || *got.Message != "The user is registered and approved." {
		t.Errorf("status = %+v", got)
	}
	_, _, err = k.GetUserRegistrationStatus(context.Background(), "  ")
	mtParamError(t, err)
}

func TestKipu_GetUserRegistrationStatus_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/registration-status", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 400, "Bad Request", "email: must not be blank")
	})
	_, _, err := k.GetUserRegistrationStatus(context.Background(), "x")
	mtAPIError(t, err, 400, client.ErrBadRequest, "email: must not be blank")
}

func TestKipu_SearchUsers(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/search/users", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		kipuAuthed(t, r)
		switch q := r.URL.Query().Get("q"); q {
		case "ali ce":
			mtQuery(t, r, url.Values{"q": {"ali ce"}})
			mtWriteJSON(w, 200, `[{"id":"u-1","firstname":"Alice","lastname":"Quantum"},{"id":"u-2","firstname":"Malice","lastname":null}]`)
		case "none":
			mtWriteJSON(w, 200, `[]`)
		case "null":
			mtWriteJSON(w, 200, `null`)
		default:
			t.Errorf("q = %q", q)
		}
	})
	ctx := context.Background()
	got, _, err := k.SearchUsers(ctx, "ali ce")
	if err != nil {
		t.Fatal(err)
	}
	want := []kipu.UserSearchDto{{ID: "u-1", Firstname: client.Ptr("Alice"), Lastname: client.Ptr("Quantum")}, {ID: "u-2", Firstname: client.Ptr("Malice")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("users = %+v, want %+v", got, want)
	}
	got, _, err = k.SearchUsers(ctx, "none")
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("none: %#v, %v; want an empty non-nil slice", got, err)
	}
	// null where the document promises an array is not an empty result.
	got, _, err = k.SearchUsers(ctx, "null")
	if got != nil || !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("null: %#v, %v; want a DecodeError", got, err)
	}
	_, _, err = k.SearchUsers(ctx, "")
	mtParamError(t, err)
}

func TestKipu_SearchUsers_error(t *testing.T) {
	k, mux := kipuSetup(t)
	mux.HandleFunc("/search/users", func(w http.ResponseWriter, r *http.Request) {
		kipuError(w, 401, "Unauthorized", "")
	})
	got, _, err := k.SearchUsers(context.Background(), "x")
	if got != nil {
		t.Errorf("users = %v", got)
	}
	mtAPIError(t, err, 401, client.ErrUnauthorized, "Unauthorized")
}

// Every authenticated operation of a client without a token fails before
// anything is sent; the public ones still work.
func TestKipu_NoToken(t *testing.T) {
	k, mux := kipuSetup(t, client.WithPersonalAccessToken(""))
	mux.HandleFunc("/", mtNeverCalled(t))
	ctx := context.Background()
	calls := map[string]func() error{
		"GetCurrentUser":    func() error { _, _, err := k.GetCurrentUser(ctx); return err },
		"UpdateCurrentUser": func() error { _, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{}); return err },
		"DeleteCurrentUser": func() error { _, err := k.DeleteCurrentUser(ctx); return err },
		"UpdateCurrentUserProfileImage": func() error {
			_, err := k.UpdateCurrentUserProfileImage(ctx, "a.png", bytes.NewReader(pngBytes))
			return err
		},
		"DeleteCurrentUserProfileImage": func() error { _, err := k.DeleteCurrentUserProfileImage(ctx); return err },
		"GetPersonalAccessTokens":       func() error { _, _, err := k.GetPersonalAccessTokens(ctx); return err },
		"CreatePersonalAccessToken": func() error {
			_, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "x"})
			return err
		},
		"DeletePersonalAccessToken":            func() error { _, err := k.DeletePersonalAccessToken(ctx, "t-1"); return err },
		"RegenerateDefaultPersonalAccessToken": func() error { _, _, err := k.RegenerateDefaultPersonalAccessToken(ctx); return err },
		"SearchUsers":                          func() error { _, _, err := k.SearchUsers(ctx, "x"); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { mtNotAuthenticated(t, call()) })
	}
}
