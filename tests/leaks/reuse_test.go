package leakstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/servicetest"
)

// sequentialCalls is how many calls each service makes on one client.
const sequentialCalls = 1000

// connCounter is an *http.Client whose transport counts the connections
// it dials, plus a context whose httptrace counts the connections that
// were not reused.
type connCounter struct {
	hc     *http.Client
	dials  atomic.Int64
	fresh  atomic.Int64 // GotConn with Reused == false
	reused atomic.Int64
}

func newConnCounter(t *testing.T) *connCounter {
	c := &connCounter{}
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		// Go's transport returns a connection to the idle pool from its read
		// loop, just after the body's EOF; a call made in that instant may
		// start a second dial that then goes unused. One connection per host
		// makes the next call wait for the first instead, so a dial past the
		// first still means a connection was not reused (a body not drained,
		// a connection closed).
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	c.hc = &http.Client{Transport: tr}
	return c
}

func (c *connCounter) ctx() context.Context {
	return httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				c.reused.Add(1)
			} else {
				c.fresh.Add(1)
			}
		},
	})
}

// outcome tallies the answers of the calls.
type outcome struct{ ok, clientErr int }

// add classifies err: nil is a 2xx, an *APIError must be a 4xx; anything
// else fails the test.
func (o *outcome) add(t *testing.T, i int, err error) {
	t.Helper()
	if err == nil {
		o.ok++
		return
	}
	var ae *client.APIError
	if errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500 {
		o.clientErr++
		return
	}
	t.Fatalf("call %d: want a 2xx or a 4xx answer, got %v", i, err)
}

// check asserts that the calls mixed successes and 4xx answers and that
// exactly one connection carried all of them.
func (c *connCounter) check(t *testing.T, o outcome, exchanges int) {
	t.Helper()
	t.Logf("%d calls: %d 2xx, %d 4xx; %d dial(s), %d new and %d reused connection(s)",
		o.ok+o.clientErr, o.ok, o.clientErr, c.dials.Load(), c.fresh.Load(), c.reused.Load())
	assert.Equal(t, sequentialCalls, o.ok+o.clientErr)
	assert.GreaterOrEqual(t, o.ok, sequentialCalls/5, "the calls include successes")
	assert.GreaterOrEqual(t, o.clientErr, sequentialCalls/5, "the calls include 4xx answers")
	assert.Equal(t, int64(1), c.dials.Load(), "connections dialed over %d sequential calls", sequentialCalls)
	assert.Equal(t, int64(1), c.fresh.Load(), "connections not reused (httptrace GotConn)")
	assert.Equal(t, int64(exchanges-1), c.reused.Load(), "every other exchange reuses the connection")
}

func TestConnectionReuseKipu(t *testing.T) {
	srv := kipufake.Start()
	t.Cleanup(srv.Close)
	cc := newConnCounter(t)
	k := servicetest.KipuClient(t, srv, client.WithHTTPClient(cc.hc), client.WithPersonalAccessToken(srv.Token))
	bad := servicetest.KipuClient(t, srv, client.WithHTTPClient(cc.hc), client.WithPersonalAccessToken("kqh_pat_unknown"))
	ctx := cc.ctx()
	var o outcome
	var err error
	for i := range sequentialCalls {
		switch i % 5 {
		case 0:
			_, _, err = k.GetUserByID(ctx, kipufake.AlanID) // 200
		case 1:
			_, _, err = k.GetUserByID(ctx, fmt.Sprintf("missing-%d", i)) // 404
		case 2:
			_, _, err = k.GetCurrentUser(ctx) // 200
		case 3:
			_, _, err = bad.GetPersonalAccessTokens(ctx) // 401
		case 4:
			var ok bool
			ok, _, err = k.CheckUserExists(ctx, "missing") // HEAD 404: no error
			if err == nil && ok {
				t.Fatal("checkUserExists of a missing user reported true")
			}
			_, _, err = k.GetUserProfileImage(ctx, "missing") // 404
		}
		o.add(t, i, err)
	}
	cc.check(t, o, sequentialCalls+sequentialCalls/5)
}

func TestConnectionReuseHarbor(t *testing.T) {
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	cc := newConnCounter(t)
	admin := servicetest.HarborClient(t, srv, client.WithHTTPClient(cc.hc), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))
	alice := servicetest.HarborClient(t, srv, client.WithHTTPClient(cc.hc), client.WithBasicAuth(srv.User, srv.UserPassword))
	bad := servicetest.HarborClient(t, srv, client.WithHTTPClient(cc.hc), client.WithBasicAuth(srv.AdminUser, "Wrong-Passw0rd"))
	ctx := cc.ctx()
	var o outcome
	var err error
	for i := range sequentialCalls {
		switch i % 6 {
		case 0:
			_, _, err = admin.GetCurrentUserInfo(ctx) // 200
		case 1:
			_, _, err = admin.GetUser(ctx, 999999) // 404
		case 2:
			_, _, err = alice.ListUsers(ctx, nil) // 403
		case 3:
			_, _, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "alice", Email: "alice-dup@example.com", Realname: "A", Password: "Passw0rd-Dup"}) // 409
		case 4:
			_, _, err = admin.GetUser(ctx, srv.UserID) // 200
		case 5:
			_, _, err = bad.GetCurrentUserInfo(ctx) // 401
		}
		o.add(t, i, err)
	}
	cc.check(t, o, sequentialCalls)
}

func TestConnectionReuseHomebox(t *testing.T) {
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	cc := newConnCounter(t)
	hb := servicetest.HomeboxClient(t, srv, client.WithHTTPClient(cc.hc))
	ctx := cc.ctx()
	_, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	otherTenant := client.WithHeader("X-Tenant", "00000000-0000-4000-8000-000000000001")
	var o outcome
	for i := range sequentialCalls {
		switch i % 5 {
		case 0:
			_, _, err = hb.GetUserSelf(ctx) // 200
		case 1:
			_, err = hb.DeleteAPIKey(ctx, uuid.UUID{byte(i), 1}) // 404
		case 2:
			_, _, err = hb.UpdateUserSettings(ctx, homebox.UserSettings{"n": i}) // 200
		case 3:
			_, _, err = hb.GetUserSettings(ctx, otherTenant) // 403
		case 4:
			_, _, err = hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: " "}) // 422
		}
		o.add(t, i, err)
	}
	cc.check(t, o, sequentialCalls+1)
}

func TestConnectionReuseVectara(t *testing.T) {
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	cc := newConnCounter(t)
	// OAuth2: the token endpoint is on the same host and shares the
	// connection too.
	v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithHTTPClient(cc.hc),
		client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))
	require.NoError(t, err)
	ctx := cc.ctx()
	var o outcome
	for i := range sequentialCalls {
		switch i % 5 {
		case 0:
			_, _, err = v.GetUser(ctx, "ada@example.com") // 200
		case 1:
			_, _, err = v.GetUser(ctx, fmt.Sprintf("missing-%d@example.com", i)) // 404
		case 2:
			_, _, err = v.UpdateUser(ctx, "missing@example.com", vectara.UpdateUserRequest{Enabled: client.Ptr(true)}) // 404
		case 3:
			_, _, err = v.ListUsers(ctx, &vectara.ListUsersParams{Limit: client.Ptr(int32(2))}) // 200
		case 4:
			_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "ada@example.com"}) // 409
		}
		o.add(t, i, err)
	}
	assert.Equal(t, 1, srv.Fake.TokenRequests())
	cc.check(t, o, sequentialCalls+1)
}
