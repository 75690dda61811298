// Runnable examples for the client package: each service's main flow,
// iteration, error classification, the Harbor query builder and testing
// with a fake. They run against the in-memory fakes, so `go test` checks
// their output.
package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
)

func ExampleNewKipu() {
	srv := kipufake.Start() // stands in for https://api.hub.kipu-quantum.com
	defer srv.Close()

	// In production leave out WithBaseURL: the public Kipu Quantum Hub is the
	// default. The host is enough; /user-service is appended.
	k, err := client.NewKipu(
		client.WithBaseURL(srv.URL),
		client.WithPersonalAccessToken(srv.Token),
		client.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	me, _, err := k.GetCurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("me:", *me.Firstname, *me.Email)

	tok, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{
		Name:      "ci",
		ExpiresAt: time.Now().AddDate(0, 1, 0), // only the date is sent
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token:", tok.Name, tok.Value != "", tok.CreatedAt.Location())
	// Output:
	// me: Ada ada@example.com
	// token: ci true UTC
}

func ExampleNewHarbor() {
	srv := harborfake.Start() // stands in for https://harbor.example.com
	defer srv.Close()

	// The portal's address; /api/v2.0 is appended (giving it too is fine).
	h, err := client.NewHarbor(
		client.WithBaseURL(srv.URL),
		client.WithBasicAuth(srv.AdminUser, srv.AdminPassword),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	id, _, err := h.CreateUser(ctx, harbor.UserCreationReq{
		Username: "dave", Email: "dave@example.com", Realname: "Dave", Password: "Passw0rdDave",
		Comment: client.Ptr("created by the example"), // optional fields are pointers
	})
	if err != nil {
		log.Fatal(err)
	}
	u, _, err := h.GetUser(ctx, id, client.WithRequestID("example-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Username, *u.Email, *u.Comment, u.SysadminFlag)
	// Output: dave dave@example.com created by the example false
}

func ExampleNewHomebox() {
	srv := homeboxfake.Start() // stands in for https://homebox.example.com
	defer srv.Close()

	// The address a person opens in a browser; /api is appended.
	hb, err := client.NewHomebox(client.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// The login keeps the session token for the calls that follow; an API
	// key (WithAPIKey) or a saved token (WithBearerToken) skip it.
	if _, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false); err != nil {
		log.Fatal(err)
	}
	me, _, err := hb.GetUserSelf(ctx)
	if err != nil {
		log.Fatal(err)
	}
	key, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "backup script"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Email, key.Name)
	// Output: admin@admin.com backup script
}

func ExampleNewVectara() {
	srv := vectarafake.Start() // stands in for https://api.vectara.io
	defer srv.Close()

	// In production leave out WithBaseURL: https://api.vectara.io is the
	// default. WithClientCredentials is the OAuth2 alternative.
	v, err := client.NewVectara(
		client.WithBaseURL(srv.URL),
		client.WithAPIKey(srv.APIKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	// Usernames are passed plain; the client escapes them.
	u, _, err := v.GetUser(context.Background(), "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*u.Username, *u.Enabled)
	// Output: ada@example.com true
}

// Iterators page as the server announces and stop at the first error.
// (Like a real Harbor, the list leaves out the built-in admin.)
func ExampleHarbor_ListUsersIter() {
	srv := harborfake.Start()
	defer srv.Close()
	h, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for u, err := range h.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](1)}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		fmt.Println(u.Username)
	}
	fmt.Println(n, "users, one page each")
	// Output:
	// alice
	// bob
	// carol
	// 3 users, one page each
}

func ExampleVectara_ListUsersIter() {
	srv := vectarafake.Start()
	defer srv.Close()
	v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey))
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, err := range v.ListUsersIter(context.Background(), &vectara.ListUsersParams{Limit: client.Ptr[int32](1)}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n > 0)
	// Output: true
}

// Every failure is typed: an *APIError for an answer (classified with
// errors.Is), a *ParamError or *OptionError before anything is sent.
func ExampleAPIError() {
	srv := harborfake.Start()
	defer srv.Close()
	h, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = h.GetUser(context.Background(), 999999)
	var apiErr *client.APIError
	switch {
	case errors.Is(err, client.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message)
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrForbidden):
		fmt.Println("check the credentials")
	case err != nil:
		fmt.Println("other:", err)
	}

	// A wrong option is refused at once, naming what to use instead.
	_, err = client.NewKipu(client.WithBasicAuth("admin", "pw"))
	fmt.Println(errors.Is(err, client.ErrInvalidOption), err)
	// Output:
	// 404 NOT_FOUND user 999999 not found
	// true kipu: WithBasicAuth: does not apply: Kipu authenticates with WithPersonalAccessToken (X-Auth-Token) or WithBearerToken (OAuth2)
}

// Harbor's q parameter: exact, fuzzy, range, union and intersection
// matches, escaped and checked before anything is sent.
func ExampleHarborQuery() {
	q, err := client.NewHarborQuery().
		Fuzzy("username", "ali").
		Range("creation_time", "2025-01-01", "2025-12-31").
		Union("email", "alice@example.com", "bob@example.com").
		Build()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q)
	// Output: username=~ali,creation_time=["2025-01-01"~"2025-12-31"],email={"alice@example.com" "bob@example.com"}
}

// Testing your own code with a fake: inject faults, then check what the
// client saw and what the fake stored.
func Example_testingWithAFake() {
	srv := vectarafake.Start()
	defer srv.Close()
	v, err := client.NewVectara(
		client.WithBaseURL(srv.URL),
		client.WithAPIKey(srv.APIKey),
		client.WithRetryBackoff(time.Millisecond, 10*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}
	// The next two getUser calls answer 503; the client retries them.
	srv.Faults.FailNext(2, "getUser", 503, "")
	var resp *client.Response
	_, _, err = v.GetUser(context.Background(), "ada@example.com", client.WithResponseInto(&resp))
	fmt.Println(err == nil, resp.Attempts, srv.Faults.Requests("getUser"))
	// Output: true 3 3
}
