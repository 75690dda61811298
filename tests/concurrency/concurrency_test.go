// Package concurrencytest runs the fakes and the clients under 64
// concurrent workers (meant for -race): each worker writes its own
// resources through a shared client (Homebox: a client per worker, as
// each session is a person), and the final state, read back through the
// API and the fake, must hold every write exactly once.
package concurrencytest

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/servicetest"
)

const (
	workers   = 64
	perWorker = 3 // resources each worker creates
)

// run starts n workers at once and waits for them.
func run(n int, work func(w int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			work(w)
		}()
	}
	close(start)
	wg.Wait()
}

// httpClient is a transport of the test's own, closed at the end so that
// no connection goroutine outlives the test.
func httpClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func common(t *testing.T) []client.ClientOption {
	return []client.ClientOption{
		client.WithHTTPClient(httpClient(t)),
		client.WithRetryBackoff(time.Millisecond, 10*time.Millisecond),
		client.WithTimeout(30 * time.Second),
	}
}

func TestConcurrentHarbor(t *testing.T) {
	ctx := context.Background()
	srv, admin := servicetest.Harbor(t, common(t)...)
	before := srv.Fake.UserCount()

	var mu sync.Mutex
	ids := map[string]int64{}
	run(workers, func(w int) {
		for j := range perWorker {
			name := fmt.Sprintf("conc-%02d-%d", w, j)
			id, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{
				Username: name, Email: name + "@example.com", Realname: "Worker " + name, Password: "Conc-Passw0rd",
			})
			if !assert.NoError(t, err, "createUser %s", name) {
				continue
			}
			mu.Lock()
			ids[name] = id
			mu.Unlock()
			_, err = admin.UpdateUserProfile(ctx, id, harbor.UserProfile{
				Email: name + "@updated.example", Realname: "Updated " + name, Comment: client.Ptr(fmt.Sprint(w*100 + j)),
			})
			assert.NoError(t, err, "updateUserProfile %s", name)
		}
	})

	// Every create made exactly one user with its own id.
	want := workers * perWorker
	require.Len(t, ids, want)
	seen := map[int64]string{}
	for name, id := range ids {
		if prev, dup := seen[id]; dup {
			t.Errorf("users %s and %s got the same id %d", prev, name, id)
		}
		seen[id] = name
	}
	assert.Equal(t, before+want, srv.Fake.UserCount(), "user count after the creates")

	// The list holds every user once, each with its update applied.
	q, err := client.NewHarborQuery().Fuzzy("username", "conc-").Build()
	require.NoError(t, err)
	listed := map[string]harbor.UserResp{}
	for u, err := range admin.ListUsersIter(ctx, &harbor.ListUsersParams{Q: &q, PageSize: client.Ptr(int64(50))}) {
		require.NoError(t, err)
		_, dup := listed[u.Username]
		assert.False(t, dup, "%s listed twice", u.Username)
		listed[u.Username] = u
	}
	require.Len(t, listed, want)
	for name, id := range ids {
		u, ok := listed[name]
		if !assert.True(t, ok, "%s missing from the list", name) {
			continue
		}
		assert.Equal(t, id, u.UserID)
		assert.Equal(t, name+"@updated.example", *u.Email, "lost update of %s", name)
		assert.Equal(t, "Updated "+name, *u.Realname, "lost update of %s", name)
	}
	// And so does a direct read.
	for name, id := range ids {
		var w, j int
		_, err := fmt.Sscanf(name, "conc-%02d-%d", &w, &j)
		require.NoError(t, err)
		u, _, err := admin.GetUser(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(w*100+j), *u.Comment)
	}
}

func TestConcurrentVectara(t *testing.T) {
	ctx := context.Background()
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	before := len(srv.Fake.Usernames())
	// One client shared by every worker, with OAuth2 client credentials:
	// its token cache is shared too.
	v, err := client.NewVectara(append(common(t), client.WithBaseURL(srv.URL), client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))...)
	require.NoError(t, err)

	run(workers, func(w int) {
		for j := range perWorker {
			email := fmt.Sprintf("conc-%02d-%d@example.com", w, j)
			u, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: email, Description: client.Ptr("created")})
			if !assert.NoError(t, err, "createUser %s", email) {
				continue
			}
			assert.Equal(t, email, *u.Username)
			enabled := j%2 == 0
			_, _, err = v.UpdateUser(ctx, email, vectara.UpdateUserRequest{
				Description: client.Ptr(fmt.Sprintf("worker %d item %d", w, j)), Enabled: &enabled,
				APIRoles: &[]vectara.APIRole{vectara.APIRoleCorpusAdministrator},
			})
			assert.NoError(t, err, "updateUser %s", email)
		}
	})

	want := workers * perWorker
	assert.Equal(t, before+want, len(srv.Fake.Usernames()), "users after the creates")
	listed := map[string]vectara.User{}
	for u, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: client.Ptr(int32(17))}) {
		require.NoError(t, err)
		_, dup := listed[*u.Username]
		assert.False(t, dup, "%s listed twice", *u.Username)
		listed[*u.Username] = u
	}
	assert.Len(t, listed, before+want)
	for w := range workers {
		for j := range perWorker {
			email := fmt.Sprintf("conc-%02d-%d@example.com", w, j)
			u, ok := listed[email]
			if !assert.True(t, ok, "%s missing from the list", email) {
				continue
			}
			assert.Equal(t, fmt.Sprintf("worker %d item %d", w, j), *u.Description, "lost update of %s", email)
			assert.Equal(t, j%2 == 0, *u.Enabled, "lost update of %s", email)
			require.NotNil(t, u.APIRoles)
			assert.Equal(t, []vectara.APIRole{vectara.APIRoleCorpusAdministrator}, *u.APIRoles)
		}
	}
	// 64 workers shared one cached OAuth2 token.
	assert.Equal(t, 1, srv.Fake.TokenRequests(), "token fetches")
}

func TestConcurrentHomebox(t *testing.T) {
	ctx := context.Background()
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	const updates = 4
	hc := httpClient(t)
	clients := make([]*client.Homebox, workers)
	run(workers, func(w int) {
		email := fmt.Sprintf("conc-%02d@example.com", w)
		pw := fmt.Sprintf("passphrase of worker %02d", w)
		hb, err := client.NewHomebox(client.WithBaseURL(srv.URL), client.WithHTTPClient(hc), client.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
		if !assert.NoError(t, err) {
			return
		}
		clients[w] = hb
		if _, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: fmt.Sprintf("Worker %02d", w), Email: email, Password: pw}); !assert.NoError(t, err, "register %s", email) {
			return
		}
		if _, _, err := hb.UserLogin(ctx, email, pw, false); !assert.NoError(t, err, "login %s", email) {
			return
		}
		for k := range updates {
			s, _, err := hb.UpdateUserSettings(ctx, homebox.UserSettings{"worker": float64(w), "seq": float64(k), "theme": fmt.Sprintf("theme-%d-%d", w, k)})
			if assert.NoError(t, err, "settings %s #%d", email, k) {
				assert.Equal(t, float64(k), s["seq"])
			}
		}
		_, _, err = hb.UpdateAccount(ctx, homebox.UserUpdate{Name: fmt.Sprintf("Renamed %02d", w), Email: email})
		assert.NoError(t, err, "updateAccount %s", email)
	})

	// Every account exists once, in its own group, with its last settings
	// and its new name; each session sees only its own user.
	groups := map[string]int{}
	for w, hb := range clients {
		email := fmt.Sprintf("conc-%02d@example.com", w)
		u, ok := srv.Fake.User(email)
		if !assert.True(t, ok, "%s not registered", email) {
			continue
		}
		assert.Equal(t, fmt.Sprintf("Renamed %02d", w), u.Name)
		groups[u.DefaultGroupID.String()]++
		require.NotNil(t, hb)
		me, _, err := hb.GetUserSelf(ctx)
		require.NoError(t, err)
		assert.Equal(t, u.ID, me.ID, "the session of %s belongs to its user", email)
		s, _, err := hb.GetUserSettings(ctx)
		require.NoError(t, err)
		assert.Equal(t, homebox.UserSettings{"worker": float64(w), "seq": float64(updates - 1), "theme": fmt.Sprintf("theme-%d-%d", w, updates-1)}, s, "settings of %s", email)
		assert.Equal(t, 1, srv.Fake.Sessions(email), "sessions of %s", email)
	}
	assert.Len(t, groups, workers, "each registration made its own group")
}

func TestConcurrentKipu(t *testing.T) {
	ctx := context.Background()
	srv, k := servicetest.Kipu(t, common(t)...)
	before := len(srv.Fake.Tokens(srv.UserID))

	var mu sync.Mutex
	created := map[string]client.KipuAccessToken{} // by name
	run(workers, func(w int) {
		for j := range perWorker {
			name := fmt.Sprintf("conc-%02d-%d", w, j)
			tok, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: name})
			if !assert.NoError(t, err, "create %s", name) {
				continue
			}
			if assert.NotEmpty(t, tok.Value) {
				// Each new token authenticates as its owner at once.
				p, _, err := k.AuthorizeByPersonalAccessToken(ctx, tok.Value)
				if assert.NoError(t, err, "authorize %s", name) {
					assert.Equal(t, srv.UserID, p.UserID)
				}
			}
			mu.Lock()
			created[name] = *tok
			mu.Unlock()
		}
		// Concurrent profile writes by the same user: each is a whole
		// replacement, so the final one is one of the workers' values.
		_, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: client.Ptr(fmt.Sprintf("position-%02d", w))})
		assert.NoError(t, err)
	})

	want := workers * perWorker
	require.Len(t, created, want)
	ids, values := map[string]bool{}, map[string]bool{}
	for name, tok := range created {
		assert.Equal(t, name, tok.Name)
		assert.False(t, ids[tok.ID], "duplicate token id %s", tok.ID)
		ids[tok.ID] = true
		assert.False(t, values[tok.Value], "duplicate token value for %s", name)
		values[tok.Value] = true
	}

	list, _, err := k.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	var names []string
	for _, tok := range list.Tokens {
		if strings.HasPrefix(tok.Name, "conc-") {
			names = append(names, tok.Name)
			assert.True(t, ids[tok.ID], "listed token %s (%s) was not created by a worker", tok.Name, tok.ID)
		}
	}
	sort.Strings(names)
	var wantNames []string
	for name := range created {
		wantNames = append(wantNames, name)
	}
	sort.Strings(wantNames)
	assert.Equal(t, wantNames, names, "every created token is listed exactly once")
	assert.Equal(t, before+want, len(srv.Fake.Tokens(srv.UserID)), "tokens in the fake")

	me, _, err := k.GetCurrentUser(ctx)
	require.NoError(t, err)
	require.NotNil(t, me.CurrentPosition)
	assert.Regexp(t, `^position-\d\d$`, *me.CurrentPosition)
}
