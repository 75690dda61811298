// Package servicetest is the tests' one way to start a fake and get a
// facade client for it: X(t, opts...) starts the service's fake for the
// test (closed by t.Cleanup) and returns it with a client that has the
// fake's URL and seeded credentials; XClient(t, srv, opts...) makes
// another client for the same fake. Options given later win, so a test
// passes its own transport, credentials or retry settings as opts.
package servicetest

import (
	"testing"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
)

// New makes a client with newClient and opts, failing the test on error.
func New[C any](t testing.TB, newClient func(...client.ClientOption) (C, error), opts ...client.ClientOption) C {
	t.Helper()
	c, err := newClient(opts...)
	if err != nil {
		t.Fatalf("servicetest: new client: %v", err)
	}
	return c
}

func with(base []client.ClientOption, opts []client.ClientOption) []client.ClientOption {
	return append(base, opts...)
}

// Kipu starts a Kipu fake and returns it with a client authenticated by
// the seeded personal access token.
func Kipu(t testing.TB, opts ...client.ClientOption) (*kipufake.Server, *client.Kipu) {
	t.Helper()
	return KipuWith(t, nil, opts...)
}

// KipuWith is Kipu with options for the fake.
func KipuWith(t testing.TB, fakeOpts []fake.Option, opts ...client.ClientOption) (*kipufake.Server, *client.Kipu) {
	t.Helper()
	srv := kipufake.Start(fakeOpts...)
	t.Cleanup(srv.Close)
	return srv, KipuClient(t, srv, opts...)
}

// KipuClient is another client for srv (seeded token unless opts say).
func KipuClient(t testing.TB, srv *kipufake.Server, opts ...client.ClientOption) *client.Kipu {
	t.Helper()
	return New(t, client.NewKipu, with([]client.ClientOption{client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(srv.Token)}, opts)...)
}

// Harbor starts a Harbor fake and returns it with a client of its
// built-in system admin.
func Harbor(t testing.TB, opts ...client.ClientOption) (*harborfake.Server, *client.Harbor) {
	t.Helper()
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	return srv, HarborClient(t, srv, opts...)
}

// HarborClient is another client for srv (the admin unless opts say).
func HarborClient(t testing.TB, srv *harborfake.Server, opts ...client.ClientOption) *client.Harbor {
	t.Helper()
	return New(t, client.NewHarbor, with([]client.ClientOption{client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword)}, opts)...)
}

// Homebox starts a Homebox fake and returns it with a client that is not
// logged in (log in with srv.Email and srv.Password).
func Homebox(t testing.TB, opts ...client.ClientOption) (*homeboxfake.Server, *client.Homebox) {
	t.Helper()
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	return srv, HomeboxClient(t, srv, opts...)
}

// HomeboxClient is another client for srv.
func HomeboxClient(t testing.TB, srv *homeboxfake.Server, opts ...client.ClientOption) *client.Homebox {
	t.Helper()
	return New(t, client.NewHomebox, with([]client.ClientOption{client.WithBaseURL(srv.URL)}, opts)...)
}

// Vectara starts a Vectara fake and returns it with a client authenticated
// by the account owner's API key.
func Vectara(t testing.TB, opts ...client.ClientOption) (*vectarafake.Server, *client.Vectara) {
	t.Helper()
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	return srv, VectaraClient(t, srv, opts...)
}

// VectaraClient is another client for srv (the owner's API key unless
// opts say).
func VectaraClient(t testing.TB, srv *vectarafake.Server, opts ...client.ClientOption) *client.Vectara {
	t.Helper()
	return New(t, client.NewVectara, with([]client.ClientOption{client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey)}, opts)...)
}
