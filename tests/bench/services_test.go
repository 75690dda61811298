package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
)

// The baseline's hand-written types: the same fields, Go types and JSON
// names as the generated ones, so that both sides decode the same work.

type baseHarborOIDC struct {
	CreationTime time.Time `json:"creation_time"`
	ID           int64     `json:"id"`
	Secret       *string   `json:"secret,omitempty"`
	Subiss       string    `json:"subiss"`
	UpdateTime   time.Time `json:"update_time"`
	UserID       int64     `json:"user_id"`
}

type baseHarborUser struct {
	AdminRoleInAuth bool            `json:"admin_role_in_auth"`
	Comment         *string         `json:"comment,omitempty"`
	CreationTime    time.Time       `json:"creation_time"`
	Email           *string         `json:"email,omitempty"`
	OIDCUserMeta    *baseHarborOIDC `json:"oidc_user_meta,omitempty"`
	Realname        *string         `json:"realname,omitempty"`
	SysadminFlag    bool            `json:"sysadmin_flag"`
	UpdateTime      time.Time       `json:"update_time"`
	UserID          int64           `json:"user_id"`
	Username        string          `json:"username"`
}

type baseVectaraOperationPolicy struct {
	AllowAnyResource bool                 `json:"allow_any_resource"`
	AllowedResources *map[string][]string `json:"allowed_resources,omitempty"`
}

type baseVectaraPolicy struct {
	AllowedOperations map[string]*baseVectaraOperationPolicy `json:"allowed_operations"`
	Name              string                                 `json:"name"`
}

type baseVectaraRole struct {
	Key  string `json:"corpus_key"`
	Role string `json:"role"`
}

type baseVectaraAgentRole struct {
	Key  string `json:"agent_key"`
	Role string `json:"role"`
}

type baseVectaraUser struct {
	AgentRoles  *[]baseVectaraAgentRole `json:"agent_roles,omitempty"`
	APIPolicy   *baseVectaraPolicy      `json:"api_policy,omitempty"`
	APIRoles    *[]string               `json:"api_roles,omitempty"`
	CorpusRoles *[]baseVectaraRole      `json:"corpus_roles,omitempty"`
	CreatedAt   *time.Time              `json:"created_at,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Email       *string                 `json:"email,omitempty"`
	Enabled     *bool                   `json:"enabled,omitempty"`
	ID          *string                 `json:"id,omitempty"`
	UpdatedAt   *time.Time              `json:"updated_at,omitempty"`
	Username    *string                 `json:"username,omitempty"`
}

type baseKipuUser struct {
	About           *string `json:"about,omitempty"`
	CurrentPosition *string `json:"currentPosition,omitempty"`
	Email           *string `json:"email,omitempty"`
	Firstname       *string `json:"firstname,omitempty"`
	Homepage        *string `json:"homepage,omitempty"`
	ID              string  `json:"id"`
	Lastname        *string `json:"lastname,omitempty"`
	Username        *string `json:"username,omitempty"`
}

type baseHomeboxUser struct {
	DefaultGroupID uuid.UUID   `json:"defaultGroupId"`
	Email          string      `json:"email"`
	GroupIDs       []uuid.UUID `json:"groupIds"`
	ID             uuid.UUID   `json:"id"`
	IsSuperuser    bool        `json:"isSuperuser"`
	Name           string      `json:"name"`
	OIDCIssuer     *string     `json:"oidcIssuer"`
	OIDCSubject    *string     `json:"oidcSubject"`
}

type baseHomeboxWrapped struct {
	Item baseHomeboxUser `json:"item"`
}

// side is one way of making a call: call runs it (what the benchmark
// times), result returns what the last successful call decoded.
type side struct {
	call   func(context.Context) error
	result func() any
}

// fairUserAgent is the User-Agent the facade sends: the baselines send it
// too, so that both sides set the same headers.
var fairUserAgent = []string{"userapis-go/" + client.Version}

// bounded is what the facade does to every attempt and a fair hand-written
// call does too: a deadline of client.DefaultTimeout, unless the caller's
// own comes sooner (then the facade makes no context of its own either).
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < client.DefaultTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, client.DefaultTimeout)
}

// baselineGet is the hand-written client, as fair as the facade: bound the
// call with the same deadline, build the request (its URL from the call's
// arguments, as a hand-written method would), set the credential and the
// User-Agent, Do, check the status, decode the body into a fresh T, drain
// and close.
func baselineGet[T any](hc *http.Client, target func() string, auth func(*http.Request)) side {
	var got T
	return side{
		call: func(ctx context.Context) error {
			ctx, cancel := bounded(ctx)
			defer cancel()
			u := target()
			res, err := fairGet(ctx, hc, u, auth)
			if err != nil {
				return err
			}
			defer drainClose(res)
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: status %d", u, res.StatusCode)
			}
			var v T
			if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
				return err
			}
			got = v
			return nil
		},
		result: func() any { return got },
	}
}

// fairGet sends GET u as both baselines do: with ctx, the facade's
// User-Agent and the credential auth sets.
func fairGet(ctx context.Context, hc *http.Client, u string, auth func(*http.Request)) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header["User-Agent"] = fairUserAgent
	auth(req)
	return hc.Do(req)
}

// drainClose reads what is left of res's body and closes it, so that the
// connection is reused.
func drainClose(res *http.Response) {
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
}

// baseAPIError is the hand-written client's error for an answer that is
// not the one expected: what its caller needs (status and message), as an
// error value, since the call failed.
type baseAPIError struct {
	StatusCode int
	Message    string
}

func (e *baseAPIError) Error() string { return fmt.Sprintf("status %d: %s", e.StatusCode, e.Message) }

// baselineNotFound is the hand-written client's error path, as fair as
// baselineGet: Do, decode Harbor's Errors body into an error value of the
// call (its status and message), and, as the facade's side does with an
// *APIError, the caller takes that error apart with errors.As and expects
// a 404.
func baselineNotFound(hc *http.Client, target func() string, auth func(*http.Request)) side {
	var got string
	get := func(ctx context.Context) error {
		ctx, cancel := bounded(ctx)
		defer cancel()
		res, err := fairGet(ctx, hc, target(), auth)
		if err != nil {
			return err
		}
		defer drainClose(res)
		if res.StatusCode == http.StatusOK {
			return nil
		}
		var e struct {
			Errors []struct{ Code, Message string } `json:"errors"`
		}
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil || len(e.Errors) == 0 {
			return fmt.Errorf("status %d, body: %v", res.StatusCode, err)
		}
		return &baseAPIError{StatusCode: res.StatusCode, Message: e.Errors[0].Message}
	}
	return side{
		call: func(ctx context.Context) error {
			err := get(ctx)
			var be *baseAPIError
			if !errors.As(err, &be) || be.StatusCode != http.StatusNotFound {
				return fmt.Errorf("want a 404 error, got %v", err)
			}
			got = be.Message
			return nil
		},
		result: func() any { return got },
	}
}

func facadeSide[T any](call func(context.Context) (T, error)) side {
	var got T
	return side{
		call: func(ctx context.Context) error {
			v, err := call(ctx)
			if err != nil {
				return err
			}
			got = v
			return nil
		},
		result: func() any { return got },
	}
}

// creds are what a call authenticates with; the fixed servers accept any.
type creds struct {
	harborUser, harborPass string
	vectaraKey             string
	kipuToken              string
	homeboxToken           string
}

// A callCase is one operation measured per call. sides returns the facade
// and the baseline against base, the server root (for Kipu the root
// without /user-service).
type callCase struct {
	name    string
	fixture string // key in the recorded fixtures
	sides   func(tb testing.TB, base string, cr creds, hc *http.Client) (facade, baseline side)
	// startFake starts the real fake for this case.
	startFake func(tb testing.TB) (base string, cr creds)
}

const harborListSize = 100

var callCases = []callCase{
	{
		name: "HarborGetUser", fixture: "harbor/getUser",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(cr.harborUser, cr.harborPass), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			f := facadeSide(func(ctx context.Context) (*harbor.UserResp, error) {
				u, _, err := h.GetUser(ctx, harborfake.UserID)
				return u, err
			})
			b := baselineGet[baseHarborUser](hc, func() string { return base + "/api/v2.0/users/" + strconv.FormatInt(harborfake.UserID, 10) }, func(r *http.Request) { r.SetBasicAuth(cr.harborUser, cr.harborPass) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := harborfake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			return srv.URL, creds{harborUser: srv.AdminUser, harborPass: srv.AdminPassword}
		},
	},
	{
		// The caller's context has a deadline sooner than the attempt
		// timeout (60 s): the facade makes no timeout context of its own.
		// Both sides pay for the caller's context.
		name: "HarborGetUserDeadline", fixture: "harbor/getUser",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(cr.harborUser, cr.harborPass), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			f := facadeSide(func(ctx context.Context) (*harbor.UserResp, error) {
				ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				u, _, err := h.GetUser(ctx, harborfake.UserID)
				return u, err
			})
			inner := baselineGet[baseHarborUser](hc, func() string { return base + "/api/v2.0/users/" + strconv.FormatInt(harborfake.UserID, 10) }, func(r *http.Request) { r.SetBasicAuth(cr.harborUser, cr.harborPass) })
			b := side{
				call: func(ctx context.Context) error {
					ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					return inner.call(ctx)
				},
				result: inner.result,
			}
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := harborfake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			return srv.URL, creds{harborUser: srv.AdminUser, harborPass: srv.AdminPassword}
		},
	},
	{
		// The error path: a 404 decoded into the service's message.
		name: "HarborGetUser404", fixture: "harbor/getUser404",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(cr.harborUser, cr.harborPass), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			f := facadeSide(func(ctx context.Context) (string, error) {
				_, _, err := h.GetUser(ctx, 999999)
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
					return "", fmt.Errorf("want a 404 *APIError, got %v", err)
				}
				return ae.Message, nil
			})
			b := baselineNotFound(hc, func() string { return base + "/api/v2.0/users/" + strconv.FormatInt(999999, 10) },
				func(r *http.Request) { r.SetBasicAuth(cr.harborUser, cr.harborPass) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := harborfake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			return srv.URL, creds{harborUser: srv.AdminUser, harborPass: srv.AdminPassword}
		},
	},
	{
		name: "HarborListUsers100", fixture: "harbor/listUsers100",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(cr.harborUser, cr.harborPass), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			page, size := int64(1), int64(harborListSize)
			params := &harbor.ListUsersParams{Page: &page, PageSize: &size}
			f := facadeSide(func(ctx context.Context) ([]harbor.UserResp, error) {
				users, _, err := h.ListUsers(ctx, params)
				return users, err
			})
			b := baselineGet[[]baseHarborUser](hc, func() string {
				return base + "/api/v2.0/users?page=" + strconv.FormatInt(page, 10) + "&page_size=" + strconv.FormatInt(size, 10)
			},
				func(r *http.Request) { r.SetBasicAuth(cr.harborUser, cr.harborPass) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := harborfake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			srv.Fake.SeedUsers(harborListSize)
			return srv.URL, creds{harborUser: srv.AdminUser, harborPass: srv.AdminPassword}
		},
	},
	{
		name: "VectaraGetUser", fixture: "vectara/getUser",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			v, err := client.NewVectara(client.WithBaseURL(base), client.WithAPIKey(cr.vectaraKey), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			const name = "ada@example.com"
			f := facadeSide(func(ctx context.Context) (any, error) {
				u, _, err := v.GetUser(ctx, name)
				return u, err
			})
			b := baselineGet[baseVectaraUser](hc, func() string { return base + "/v2/users/" + url.PathEscape(name) }, func(r *http.Request) { r.Header.Set("X-Api-Key", cr.vectaraKey) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := vectarafake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			return srv.URL, creds{vectaraKey: srv.APIKey}
		},
	},
	{
		name: "KipuGetCurrentUser", fixture: "kipu/getCurrentUser",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken(cr.kipuToken), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			f := facadeSide(func(ctx context.Context) (any, error) {
				u, _, err := k.GetCurrentUser(ctx)
				return u, err
			})
			b := baselineGet[baseKipuUser](hc, func() string { return base + kipufake.BasePath + "/me" }, func(r *http.Request) { r.Header.Set("X-Auth-Token", cr.kipuToken) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := kipufake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			return srv.URL, creds{kipuToken: srv.Token}
		},
	},
	{
		name: "HomeboxGetUserSelf", fixture: "homebox/getUserSelf",
		sides: func(tb testing.TB, base string, cr creds, hc *http.Client) (side, side) {
			h, err := client.NewHomebox(client.WithBaseURL(base), client.WithBearerToken(cr.homeboxToken), client.WithHTTPClient(hc))
			if err != nil {
				tb.Fatal(err)
			}
			f := facadeSide(func(ctx context.Context) (any, error) {
				u, _, err := h.GetUserSelf(ctx)
				return u, err
			})
			b := baselineGet[baseHomeboxWrapped](hc, func() string { return base + "/api/v1/users/self" }, func(r *http.Request) { r.Header.Set("Authorization", cr.homeboxToken) })
			return f, b
		},
		startFake: func(tb testing.TB) (string, creds) {
			srv := homeboxfake.Start(benchFakeOpts...)
			tb.Cleanup(srv.Close)
			tok, err := homeboxLogin(srv)
			if err != nil {
				tb.Fatal(err)
			}
			return srv.URL, creds{homeboxToken: tok}
		},
	},
}

func homeboxLogin(srv *homeboxfake.Server) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	h, err := client.NewHomebox(client.WithBaseURL(srv.URL), client.WithHTTPClient(hc))
	if err != nil {
		return "", err
	}
	if _, _, err := h.UserLogin(ctx, srv.Email, srv.Password, false); err != nil {
		return "", err
	}
	return h.Token(), nil
}

// recordFixtures records, from fresh fakes, the answers the fixed servers
// replay: the exact bytes and headers the fakes send.
func recordFixtures() (map[string]*fixture, error) {
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	out := map[string]*fixture{}
	get := func(key, u string, set func(*http.Request)) error {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		set(req)
		fx, err := record(hc, req)
		if err != nil {
			return err
		}
		out[key] = fx
		return nil
	}

	hs := harborfake.Start(benchFakeOpts...)
	defer hs.Close()
	hs.Fake.SeedUsers(harborListSize)
	basic := func(r *http.Request) { r.SetBasicAuth(hs.AdminUser, hs.AdminPassword) }
	if err := get("harbor/getUser", hs.URL+"/api/v2.0/users/3", basic); err != nil {
		return nil, err
	}
	if err := get("harbor/listUsers100", fmt.Sprintf("%s/api/v2.0/users?page=1&page_size=%d", hs.URL, harborListSize), basic); err != nil {
		return nil, err
	}
	if err := get("harbor/getUser404", hs.URL+"/api/v2.0/users/999999", basic); err != nil {
		return nil, err
	}
	hs.Faults.FailNext(1, "getUser", http.StatusServiceUnavailable, "0")
	if err := get("harbor/getUser503", hs.URL+"/api/v2.0/users/3", basic); err != nil {
		return nil, err
	}

	vs := vectarafake.Start(benchFakeOpts...)
	defer vs.Close()
	if err := get("vectara/getUser", vs.URL+"/v2/users/ada@example.com", func(r *http.Request) { r.Header.Set("X-Api-Key", vs.APIKey) }); err != nil {
		return nil, err
	}

	ks := kipufake.Start(benchFakeOpts...)
	defer ks.Close()
	if err := get("kipu/getCurrentUser", ks.URL+kipufake.BasePath+"/me", func(r *http.Request) { r.Header.Set("X-Auth-Token", ks.Token) }); err != nil {
		return nil, err
	}

	bs := homeboxfake.Start(benchFakeOpts...)
	defer bs.Close()
	tok, err := homeboxLogin(bs)
	if err != nil {
		return nil, err
	}
	if err := get("homebox/getUserSelf", bs.URL+"/api/v1/users/self", func(r *http.Request) { r.Header.Set("Authorization", tok) }); err != nil {
		return nil, err
	}

	for k, fx := range out {
		want := http.StatusOK
		switch k {
		case "harbor/getUser503":
			want = http.StatusServiceUnavailable
		case "harbor/getUser404":
			want = http.StatusNotFound
		}
		if fx.status != want {
			return nil, fmt.Errorf("fixture %s: status %d, want %d: %s", k, fx.status, want, fx.body)
		}
	}
	return out, nil
}

// fixedCreds are sent to fixed servers, which check nothing.
var fixedCreds = creds{
	harborUser: harborfake.AdminUser, harborPass: harborfake.AdminPassword,
	vectaraKey: vectarafake.SeedAPIKey, kipuToken: "kqh_fixed", homeboxToken: "Bearer fixed",
}

// setupPair starts the server of the given kind ("fixed" or "fake") for c
// and returns its facade and baseline sides, each with its own *http.Client
// of identical settings and its own dial counter.
func setupPair(tb testing.TB, c callCase, server string) (facade, baseline side) {
	tb.Helper()
	var base string
	var cr creds
	switch server {
	case "memory":
		// No network and no server: the recorded answer handed back by
		// the transport, so that only the client side is measured.
		fx := getFixtures(tb)[c.fixture]
		hcF, hcB := &http.Client{Transport: canned{fx}}, &http.Client{Transport: canned{fx}}
		f, _ := c.sides(tb, memoryBase, fixedCreds, hcF)
		_, b := c.sides(tb, memoryBase, fixedCreds, hcB)
		return f, b
	case "fixed":
		fs := startFixed(tb, getFixtures(tb)[c.fixture], nil)
		base, cr = fs.URL, fixedCreds
	case "fake":
		base, cr = c.startFake(tb)
	default:
		tb.Fatalf("unknown server kind %q", server)
	}
	hcF, hcB := newHTTPClient(&dialCounter{}), newHTTPClient(&dialCounter{})
	tb.Cleanup(func() { closeIdle(hcF); closeIdle(hcB) })
	f, _ := c.sides(tb, base, cr, hcF)
	_, b := c.sides(tb, base, cr, hcB)
	return f, b
}

// memoryBase is the server of the "memory" kind: never dialled.
const memoryBase = "http://memory.invalid"

// canned is a transport that answers every request with fx (a 404 for
// another path), as a server would, without one: the "memory" server
// kind, which measures the client side alone.
type canned struct{ fx *fixture }

func (c canned) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	if r.URL.Path != c.fx.path {
		return &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	return &http.Response{
		StatusCode: c.fx.status, Status: fmt.Sprintf("%d %s", c.fx.status, http.StatusText(c.fx.status)),
		Header: c.fx.header, Body: io.NopCloser(bytes.NewReader(c.fx.body)), ContentLength: int64(len(c.fx.body)), Request: r,
	}, nil
}
