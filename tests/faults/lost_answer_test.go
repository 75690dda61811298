package faults_test

// Creates whose answer is lost after the server committed them. The fake's
// own faults answer before its handler runs, so in the matrix a wrongly
// retried POST still creates only once; here the create is processed first
// and only then is the answer lost (reset, an error status, or no answer
// before the client's timeout). A client that retried would create twice,
// which the fakes refuse with 409 and the counters show.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/vectara"
)

// lossMode is how the answer of a committed create is lost.
type lossMode struct {
	name   string
	status int  // answer this status instead of the real one
	reset  bool // reset the connection before any answer
	cut    bool // send the real status line, half a body, then reset
	hang   bool // answer nothing until the client hangs up
}

var lossModes = []lossMode{
	{name: "reset before the answer", reset: true},
	{name: "reset mid-answer", cut: true},
	{name: "no answer before the timeout", hang: true},
	{name: "408 after commit", status: 408},
	{name: "500 after commit", status: 500},
	{name: "502 after commit", status: 502},
	{name: "504 after commit", status: 504},
}

// loseAnswer processes the first armed create with the fake's handler and
// then loses its answer as mode says. It counts the creates that reach it.
type loseAnswer struct {
	next      http.Handler
	mode      lossMode
	armed     atomic.Bool
	creates   atomic.Int32
	committed atomic.Int32 // status the fake answered the lost create with
}

func (l *loseAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		l.next.ServeHTTP(w, r)
		return
	}
	l.creates.Add(1)
	if !l.armed.CompareAndSwap(true, false) {
		l.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	l.next.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
	l.committed.Store(int32(rec.Code))
	switch m := l.mode; {
	case m.reset:
		resetConn(w)
	case m.cut:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()+64))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
		_ = http.NewResponseController(w).Flush()
		resetConn(w)
	case m.hang:
		<-r.Context().Done()
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(m.status)
		_, _ = fmt.Fprintf(w, `{"errors":[{"code":"LOST","message":"answer lost after commit (%d)"}],"messages":["answer lost after commit"]}`, m.status)
	}
}

func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// callFn is one facade call.
type callFn func(context.Context, ...client.CallOption) error

// binder makes a client of the server at base, sending through hc, and
// returns a warm-up call and the create.
type binder func(base string, hc *http.Client) (warm, create callFn)

// counter reports whether the new user exists and how many users there are.
type counter func() (exists bool, users int)

// createService is a service whose create is put to the test: start gives
// a fresh fake's handler and faults, a binder and a counter.
type createService struct {
	name  string
	start func(t *testing.T) (http.Handler, *fake.Faults, binder, counter)
}

var createServices = []createService{
	{
		name: "vectara CreateUser",
		start: func(t *testing.T) (http.Handler, *fake.Faults, binder, counter) {
			f := vectarafake.New()
			const email = "lost.answer@example.com"
			bind := func(base string, hc *http.Client) (callFn, callFn) {
				v, err := client.NewVectara(client.WithBaseURL(base), client.WithAPIKey(vectarafake.SeedAPIKey),
					client.WithHTTPClient(hc), client.WithRetryBackoff(backoffInitial, backoffMax))
				require.NoError(t, err)
				warm := func(ctx context.Context, opts ...client.CallOption) error {
					_, _, err := v.GetUser(ctx, "ada@example.com", opts...)
					return err
				}
				create := func(ctx context.Context, opts ...client.CallOption) error {
					_, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: email}, opts...)
					return err
				}
				return warm, create
			}
			count := func() (bool, int) {
				_, ok := f.User(email)
				return ok, len(f.Usernames())
			}
			return f.Handler(), f.Faults, bind, count
		},
	},
	{
		name: "harbor CreateUser",
		start: func(t *testing.T) (http.Handler, *fake.Faults, binder, counter) {
			f := harborfake.New()
			const name = "lost.answer"
			bind := func(base string, hc *http.Client) (callFn, callFn) {
				h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(harborfake.AdminUser, harborfake.AdminPassword),
					client.WithHTTPClient(hc), client.WithRetryBackoff(backoffInitial, backoffMax))
				require.NoError(t, err)
				warm := func(ctx context.Context, opts ...client.CallOption) error {
					_, _, err := h.GetCurrentUserInfo(ctx, opts...)
					return err
				}
				create := func(ctx context.Context, opts ...client.CallOption) error {
					_, _, err := h.CreateUser(ctx, harbor.UserCreationReq{
						Username: name, Email: name + "@example.com", Password: "Passw0rdLost1", Realname: "Lost Answer",
					}, opts...)
					return err
				}
				return warm, create
			}
			count := func() (bool, int) {
				_, ok := f.UserByName(name)
				return ok, f.UserCount()
			}
			return f.Handler(), f.Faults, bind, count
		},
	},
}

func TestCreateNeverDuplicatedWhenAnswerLost(t *testing.T) {
	for _, svc := range createServices {
		for _, mode := range lossModes {
			t.Run(svc.name+"/"+mode.name, func(t *testing.T) {
				h, faults, bind, count := svc.start(t)
				lose := &loseAnswer{next: h, mode: mode}
				hs := httptest.NewServer(lose)
				t.Cleanup(hs.Close)
				tr := &http.Transport{}
				t.Cleanup(tr.CloseIdleConnections)
				warm, create := bind(hs.URL, &http.Client{Transport: tr})

				// Warm a keep-alive connection, so that the create goes out
				// on a reused one: net/http itself resends a request that
				// dies there, unless the request is not replayable.
				require.NoError(t, warm(t.Context()))
				_, base := count()

				lose.armed.Store(true)
				err := create(t.Context(), client.WithTimeout(attemptTimeout))
				hs.Close()

				require.Error(t, err, "the create's answer was lost, yet the call succeeded")
				require.EqualValues(t, http.StatusCreated, lose.committed.Load(), "the fake did not commit the create")
				var ae *client.APIError
				var te *client.TransportError
				switch {
				case mode.status != 0:
					require.ErrorAs(t, err, &ae)
					assert.Equal(t, mode.status, ae.StatusCode)
					assert.Equal(t, 1, ae.Attempts, "attempts")
				default:
					require.ErrorAs(t, err, &te)
					assert.Equal(t, 1, te.Attempts, "attempts")
					if mode.hang {
						assert.ErrorIs(t, err, context.DeadlineExceeded)
					}
				}
				assert.EqualValues(t, 1, lose.creates.Load(), "creates sent to the server")
				assert.Equal(t, 1, faults.Requests("createUser"), "createUser requests the fake counted")
				exists, users := count()
				assert.True(t, exists, "the committed user is gone")
				assert.Equal(t, base+1, users, "users after one committed create")
			})
		}
	}
}

// The harness sees a duplicate when there is one: a server that commits the
// create and then answers 503 (which promises it did not process the
// request) gets the create retried, and the second one is refused as a
// conflict. The client cannot defend against a server that lies; this
// proves the counters above would catch a retried create.
func TestLostAnswerHarnessSeesDuplicates(t *testing.T) {
	for _, svc := range createServices {
		t.Run(svc.name, func(t *testing.T) {
			h, faults, bind, count := svc.start(t)
			lose := &loseAnswer{next: h, mode: lossMode{name: "503 after commit", status: 503}}
			hs := httptest.NewServer(lose)
			t.Cleanup(hs.Close)
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			_, create := bind(hs.URL, &http.Client{Transport: tr})
			_, base := count()
			lose.armed.Store(true)
			start := time.Now()
			err := create(t.Context())
			hs.Close()
			require.Less(t, time.Since(start), 5*time.Second)

			var ae *client.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusConflict, ae.StatusCode, "%v", err)
			assert.True(t, errors.Is(err, client.ErrConflict))
			assert.Equal(t, 2, ae.Attempts)
			assert.EqualValues(t, 2, lose.creates.Load(), "the duplicate create reached the server")
			assert.Equal(t, 2, faults.Requests("createUser"))
			exists, users := count()
			assert.True(t, exists)
			assert.Equal(t, base+1, users, "the fake refused the duplicate")
		})
	}
}
