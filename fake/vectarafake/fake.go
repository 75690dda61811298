// Package vectarafake is an in-memory, stateful fake of Vectara's v2 users
// API (api/vectara.yaml) with its OAuth2 client-credentials token endpoint:
// Personal API keys, expiring bearer tokens, roles, page_key paging:
//
//	srv := vectarafake.Start()
//	defer srv.Close()
//	c, _ := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey))
package vectarafake

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Seed credentials of the Vectara fake. Vectara prefixes Personal keys
// zut_, QueryService keys zqt_ and IndexService keys zwt_.
const (
	// SeedAPIKey is the Personal API key of the seeded account owner
	// (owner@example.com): every user operation is allowed.
	SeedAPIKey = "zut_fake_owner_personal_key_0001"
	// SeedLimitedAPIKey is the Personal API key of ada@example.com,
	// a corpus_administrator without the owner or administrator role: user
	// operations answer 403.
	SeedLimitedAPIKey = "zut_fake_ada_personal_key_0002"
	// SeedQueryAPIKey is a QueryService key: user operations answer
	// 403, as they need a Personal key.
	SeedQueryAPIKey = "zqt_fake_query_service_key_0003"
	// SeedClientID and SeedClientSecret are the OAuth2 client
	// credentials of a seeded application client with the administrator role.
	SeedClientID     = "vectara-fake-app-client"
	SeedClientSecret = "fake-client-secret/with+reserved&chars"
	// TokenPath is where the fake serves its OAuth2 token endpoint
	// (the real one is https://auth.vectara.io/oauth2/token).
	TokenPath = "/oauth2/token"
	// DefaultTokenLifetime is how long an access token lasts, as on
	// the real service (expires_in 1800).
	DefaultTokenLifetime = 30 * time.Minute
)

// Fake is an in-memory Vectara v2 users API (api/vectara.yaml) with
// its OAuth2 token endpoint. It is safe for concurrent use.
//
// Modelled: Personal API keys (x-api-key) and OAuth2 client-credentials
// tokens (Authorization: Bearer) that expire by the fake's clock; a missing,
// unknown or expired credential, or the key of a deleted or disabled user,
// answers 401; QueryService/IndexService keys and principals without the
// owner or administrator role answer 403. Users are ordered by username and
// paged with an opaque, signed page_key; listUsers filters by corpus_key (404
// for an unknown corpus); createUser defaults username to email, refuses a
// duplicate username or e-mail with 409 and returns a one-time code;
// updateUser changes only the fields sent; deleteUser answers 204 and then
// 404. Usernames are addressed exactly as percent-decoded from one path
// segment, so "a%2Fb" is user "a/b".
type Fake struct {
	// Faults injects failures into the API operations; Faults.Requests
	// counts requests by operationId.
	Faults *fakekit.Faults
	// TokenFaults injects failures into the token endpoint, which is
	// outside the document; its operation name is "oauth2Token".
	TokenFaults *fakekit.Faults
	// Now is the fake's clock (default time.Now). Set it before the fake
	// serves requests; to move it while it serves, use Advance.
	Now func() time.Time
	// TokenLifetime is the lifetime of issued access tokens (default
	// DefaultTokenLifetime). Set it before the fake serves requests.
	TokenLifetime time.Duration

	mu         sync.Mutex
	users      map[string]*userRow // by username
	sorted     []string            // usernames in order for listUsers; nil when stale
	emails     map[string]string   // lower-cased e-mail → username
	corpora    map[string]bool
	keys       map[string]apiKeyRow
	clients    map[string]appClient
	tokens     map[string]accessToken
	seq        int // users created
	codes      int // one-time codes issued
	tokenSeq   int // access tokens issued
	reqSeq     int // request ids issued
	pageSecret []byte
	outbox     fakekit.Outbox // one-time codes: what Vectara e-mails

	once    sync.Once
	handler http.Handler
}

var _ vectaraserver.StrictServerInterface = (*Fake)(nil)

// New returns a fake with a deterministic seed: the users
// ada@example.com (corpus_administrator), bob (disabled, no roles),
// grace@example.com (administrator) and owner@example.com (owner); the
// corpora my-corpus, support-docs and archive; the keys and the app client
// of the VectaraSeed* constants.
func New() *Fake {
	f := &Fake{
		Now:           time.Now,
		TokenLifetime: DefaultTokenLifetime,
		users:         map[string]*userRow{},
		emails:        map[string]string{},
		corpora:       map[string]bool{"my-corpus": true, "support-docs": true, "archive": true},
		keys:          map[string]apiKeyRow{},
		clients:       map[string]appClient{},
		tokens:        map[string]accessToken{},
		pageSecret:    []byte("vectara-fake-page-key/v1"),
	}
	f.Faults = fakekit.NewFaults(f.faultBody)
	f.TokenFaults = fakekit.NewFaults(oauthFaultBody)
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	seed := []struct {
		req     vectara.CreateUserRequest
		enabled bool
		created string
	}{
		{vectara.CreateUserRequest{
			Email: "owner@example.com", Description: ptr("Account owner"),
			APIRoles: &[]vectara.APIRole{"owner"},
		}, true, "2025-01-06T08:00:00Z"},
		{vectara.CreateUserRequest{
			Email: "ada@example.com", Description: ptr("Content manager"),
			APIRoles:    &[]vectara.APIRole{"corpus_administrator"},
			CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "editor"}, {CorpusKey: "support-docs", Role: "viewer"}},
			AgentRoles:  &[]vectara.AgentRole{{AgentKey: "support-agent", Role: "agent_user"}},
		}, true, "2025-03-14T09:26:53Z"},
		{vectara.CreateUserRequest{
			Email: "grace@example.com", APIRoles: &[]vectara.APIRole{"administrator"},
			CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "owner"}},
		}, true, "2025-03-20T14:00:00Z"},
		{vectara.CreateUserRequest{Email: "bob@example.com", Username: ptr("bob")}, false, "2025-04-01T08:00:00Z"},
	}
	for _, s := range seed {
		u, _, err := f.createUser(s.req, at(s.created))
		if err != nil {
			panic("vectara seed: " + err.Error())
		}
		f.users[u.username].enabled = s.enabled
	}
	f.codes = 0
	f.keys[SeedAPIKey] = apiKeyRow{kind: KeyPersonal, owner: "owner@example.com"}
	f.keys[SeedLimitedAPIKey] = apiKeyRow{kind: KeyPersonal, owner: "ada@example.com"}
	f.keys[SeedQueryAPIKey] = apiKeyRow{kind: KeyQueryService, owner: "owner@example.com"}
	f.clients[SeedClientID] = appClient{secret: SeedClientSecret, roles: []vectara.APIRole{"administrator"}}
	return f
}

func ptr[T any](v T) *T { return &v }

// nowLocked reads the clock; f.mu must be held.
func (f *Fake) nowLocked() time.Time {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}

// Advance moves the fake's clock forward by d (for example past an access
// token's expiry). It is safe while the fake serves requests.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.Now
	if prev == nil {
		prev = time.Now
	}
	f.Now = func() time.Time { return prev().Add(d) }
}

// AddUser creates a user directly, under the same rules as createUser
// (username defaults to email; duplicates and unknown corpora are refused).
func (f *Fake) AddUser(req vectara.CreateUserRequest) (vectara.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, _, err := f.createUser(req, f.nowLocked())
	if err != nil {
		return vectara.User{}, err
	}
	return u.toAPI(), nil
}

// User returns the stored user with this username.
func (f *Fake) User(username string) (vectara.User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[username]
	if !ok {
		return vectara.User{}, false
	}
	return u.toAPI(), true
}

// Usernames returns every username, sorted.
func (f *Fake) Usernames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.users))
	for n := range f.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PasswordResets returns how many password resets were requested for the
// user.
func (f *Fake) PasswordResets(username string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[username]; ok {
		return u.resets
	}
	return 0
}

// AddCorpus makes a corpus key known (for corpus roles and corpus_key).
func (f *Fake) AddCorpus(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corpora[key] = true
}

// AddAPIKey registers an API key of kind (KeyPersonal,
// KeyQueryService or KeyIndexService). A Personal key acts as
// the user owner and stops working when that user is disabled or deleted.
func (f *Fake) AddAPIKey(key, kind, owner string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[key] = apiKeyRow{kind: kind, owner: owner}
}

// AddClient registers an OAuth2 application client with customer-level
// roles (owner or administrator may manage users).
func (f *Fake) AddClient(id, secret string, roles ...vectara.APIRole) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[id] = appClient{secret: secret, roles: append([]vectara.APIRole{}, roles...)}
}

// TokenRequests returns how many requests reached the token endpoint,
// failed and faulted ones included.
func (f *Fake) TokenRequests() int {
	return f.TokenFaults.Requests(tokenOp)
}

// Handler returns the fake's complete handler: the token endpoint at
// TokenPath, and the API behind the kit (routing, fault injection,
// validation of requests against api/vectara.yaml and of the fake's own
// answers: see fake.ValidateResponses) and authentication, mounted at the
// root (the document's paths start with /v2).
//
// Without options the handler is built once and shared; with options
// (such as ValidateResponses) a new one is built.
func (f *Fake) Handler(opts ...fakekit.Option) http.Handler {
	if len(opts) > 0 {
		return f.buildHandler(opts...)
	}
	f.once.Do(func() { f.handler = f.buildHandler() })
	return f.handler
}

func (f *Fake) buildHandler(opts ...fakekit.Option) http.Handler {
	kit := fakekit.MustNew(fakekit.Config{
		Service: "vectara", Document: document(), Faults: f.Faults, BadRequest: f.badRequest,
	}, opts...)
	strict := vectaraserver.NewStrictHandlerWithOptions(f, nil, vectaraserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			f.writeBadRequest(w, nil, "Request body is invalid: "+err.Error())
		},
		ResponseErrorHandlerFunc: f.renderError,
	})
	api := vectaraserver.HandlerWithOptions(strict, vectaraserver.StdHTTPServerOptions{
		BaseRouter: &mux{f: f},
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			f.writeBadRequest(w, paramFields(err), err.Error())
		},
	})
	chain := kit.Handler(f.authenticate(api))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == TokenPath {
			f.serveToken(w, r)
			return
		}
		chain.ServeHTTP(w, r)
	})
}

// Server is a running Fake with the seeded credentials.
//
//	srv := fake.Start()
//	defer srv.Close()
//	c, _ := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey))
//	// or: client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL)
type Server struct {
	*fakekit.Server
	// Fake is the server's state.
	Fake *Fake
	// APIKey is a Personal API key of the account owner (x-api-key).
	APIKey string
	// LimitedAPIKey is a Personal API key of a user without the owner or
	// administrator role: user operations answer 403.
	LimitedAPIKey string
	// QueryAPIKey is a QueryService key: user operations answer 403.
	QueryAPIKey string
	// ClientID and ClientSecret are the OAuth2 client credentials of an
	// application client with the administrator role.
	ClientID     string
	ClientSecret string
	// TokenURL is the fake's OAuth2 token endpoint (URL + TokenPath).
	TokenURL string
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{
		Server: s, Fake: f,
		APIKey: SeedAPIKey, LimitedAPIKey: SeedLimitedAPIKey, QueryAPIKey: SeedQueryAPIKey,
		ClientID: SeedClientID, ClientSecret: SeedClientSecret,
		TokenURL: s.URL + TokenPath,
	}
}

// Start starts a seeded Vectara fake on 127.0.0.1 with a random
// port. Its URL is the base URL to give client.WithBaseURL.
func Start(opts ...fakekit.Option) *Server { return fakekit.MustStart(Listen, opts) }

// Listen starts a seeded Vectara fake on addr, such as
// 127.0.0.1:8084.
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	return fakekit.ListenAs(addr, f.Handler, f.Faults, controlled{f}, opts, func(s *fakekit.Server) *Server { return newServer(s, f) })
}

// document is api/vectara.yaml as the fake serves it, prepared once per
// process (its paths start with /v2: no base path).
var document = fakekit.Prepare("vectara", "", vectaraserver.GetSpec, nil)
