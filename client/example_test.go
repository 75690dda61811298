package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/userapis/userapis-go/client"
)

// exampleServer stands in for the real service: it answers the routes
// given (method and path) and 404 otherwise, when the check passes.
func exampleServer(check func(*http.Request) bool, routes map[string]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !check(r) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"unauthorized"}`)
			return
		}
		body, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"status":404,"error":"Not Found","message":"no such user","path":"`+r.URL.Path+`"}`)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
}

func ExampleNewKipu() {
	srv := exampleServer(
		func(r *http.Request) bool {
			// /users/{id} is public; the rest needs the token.
			return strings.HasPrefix(r.URL.Path, "/user-service/users/") ||
				r.Header.Get("X-Auth-Token") == "my-personal-access-token"
		},
		map[string]string{"GET /user-service/me": `{"id":"8d2c","username":"ada@example.com","firstname":"Ada"}`},
	)
	defer srv.Close()

	// In production leave out WithBaseURL: the public Kipu Quantum Hub is the default.
	kipu, err := client.NewKipu(
		client.WithBaseURL(srv.URL+"/user-service"),
		client.WithPersonalAccessToken("my-personal-access-token"),
		client.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	me, _, err := kipu.GetCurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.ID, *me.Username)

	_, _, err = kipu.GetUserByID(ctx, "nobody", client.WithMaxRetries(0))
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && errors.Is(err, client.ErrNotFound) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	// Output:
	// 8d2c ada@example.com
	// 404 no such user
}

func ExampleNewHarbor() {
	srv := exampleServer(
		func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "admin" && p == "Harbor12345" },
		map[string]string{"GET /api/v2.0/users/current": `{"user_id":1,"username":"admin","sysadmin_flag":true,` +
			`"admin_role_in_auth":false,"creation_time":"2024-01-01T00:00:00Z","update_time":"2024-01-01T00:00:00Z"}`},
	)
	defer srv.Close()

	// The portal's address; /api/v2.0 is appended.
	harbor, err := client.NewHarbor(
		client.WithBaseURL(srv.URL),
		client.WithBasicAuth("admin", "Harbor12345"),
	)
	if err != nil {
		log.Fatal(err)
	}
	me, _, err := harbor.GetCurrentUserInfo(context.Background(), client.WithRequestID("example-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.UserID, me.Username, me.SysadminFlag)
	// Output: 1 admin true
}

func ExampleNewHomebox() {
	srv := exampleServer(
		func(r *http.Request) bool {
			return r.URL.Path == "/api/v1/users/login" || r.Header.Get("Authorization") == "Bearer session-token"
		},
		map[string]string{
			"POST /api/v1/users/login": `{"token":"Bearer session-token","expiresAt":"2030-01-01T00:00:00Z","attachmentToken":"a"}`,
			"GET /api/v1/users/self": `{"item":{"id":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","name":"Ada","email":"ada@example.com",` +
				`"defaultGroupId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","groupIds":[],"isSuperuser":false}}`,
		},
	)
	defer srv.Close()

	// The address a person opens in a browser; /api is appended.
	homebox, err := client.NewHomebox(client.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// Login keeps the session token for later calls.
	if _, _, err := homebox.UserLogin(ctx, "ada@example.com", "correct horse", false); err != nil {
		log.Fatal(err)
	}
	me, _, err := homebox.GetUserSelf(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Name, me.Email)
	// Output: Ada ada@example.com
}

func ExampleNewVectara() {
	srv := exampleServer(
		func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == "zqt_example" },
		map[string]string{"GET /v2/users/ada@example.com": `{"username":"ada@example.com","email":"ada@example.com","enabled":true}`},
	)
	defer srv.Close()

	// In production leave out WithBaseURL: https://api.vectara.io is the default.
	vectara, err := client.NewVectara(
		client.WithBaseURL(srv.URL),
		client.WithAPIKey("zqt_example"),
	)
	if err != nil {
		log.Fatal(err)
	}
	// Usernames are passed plain; the client escapes them.
	u, _, err := vectara.GetUser(context.Background(), "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*u.Username, *u.Enabled)
	// Output: ada@example.com true
}
