// Package kipufake is an in-memory, stateful fake of the Kipu Quantum Hub
// user-service (api/kipu.yaml): personal access tokens (raw value shown
// once), OAuth2 access tokens, just-in-time provisioning on GET /me,
// profile images as the seed's nullable string, and Spring Boot's error
// body:
//
//	srv := kipufake.Start()
//	defer srv.Close()
//	k, _ := client.NewKipu(client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(srv.Token))
package kipufake

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/kipu/kipuserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// BasePath is the path the Kipu user-service is mounted at; it is part
// of Server.URL.
const BasePath = "/user-service"

// Seeded Kipu users. Ada is the current user of Server.Token; Alan has
// a PNG profile image and a named token AlanTokenID; Grace has neither.
const (
	AdaID       = "0e1f7a3c-5b2d-4c6e-8a9f-1d2c3b4a5e6f"
	AlanID      = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
	GraceID     = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
	AlanTokenID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
)

// Seeded registration statuses (besides APPROVED for every seeded user's
// email); any other email is NOT_FOUND.
const (
	PendingEmail    = "pending@example.com"
	RejectedEmail   = "rejected@example.com"
	UnverifiedEmail = "unverified@example.com"
)

// adaToken is the raw value of Ada's seeded default token.
const adaToken = "kqh_default_3f9a1c7e5b2d4f6a8c0e"

// adaAccessToken is an OAuth2 access token of Ada's, as the identity
// provider would issue it.
const adaAccessToken = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.kipu-fake-access-token"

// seedPNG is a 1x1 PNG, Alan's seeded profile image.
var seedPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// Identity is an account of the identity provider behind the Kipu
// user-service. Username, email and names are owned by the identity
// provider: PUT /me cannot change them.
type Identity struct {
	ID        string // user id (identity-provider subject); generated when empty
	Username  string // defaults to Email
	Email     string
	Firstname string
	Lastname  string
}

// Fake is an in-memory Kipu Quantum Hub user-service implementing the
// generated strict-server interface. It is safe for concurrent use.
//
// Personal access tokens belong to identities. The first GET /me by an
// identity provisions its user profile (just in time); every other /me
// operation of an identity not yet provisioned answers 403. A token's raw
// value is returned only when it is created (createPersonalAccessToken,
// and regenerateDefaultPersonalAccessToken for the default token; the list
// also carries the current default token's value, as the document says).
// Authenticating with a token sets its usedAt; a token is valid through the
// whole UTC day of its expiresAt, by the clock Now.
type Fake struct {
	// Faults injects failures; it is shared with the server.
	Faults *fakekit.Faults
	// Now is the fake's clock (token expiry, createdAt, usedAt, error
	// timestamps). Tests may replace it while no request is in flight.
	Now func() time.Time

	store *store
}

var _ kipuserver.StrictServerInterface = (*Fake)(nil)

// New returns a fake with the deterministic seed: provisioned users
// Ada Lovelace (AdaID, default token kept in Server.Token, named
// tokens "ci-token" and "laptop"), Alan Turing (AlanID, PNG profile
// image, token AlanTokenID) and Grace Hopper (GraceID); APPROVED
// registrations for their emails, and PendingEmail, RejectedEmail,
// UnverifiedEmail with those statuses.
func New() *Fake {
	f := &Fake{Now: time.Now, store: newStore()}
	f.Faults = fakekit.NewFaults(func(status int, msg string) []byte {
		// Faults do not know the request path; the service root stands in.
		return f.errorBody(status, msg, BasePath)
	})
	f.seed()
	return f
}

func (f *Fake) seed() {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	at := func(v string) time.Time {
		t, err := time.Parse(timeLayout, v)
		if err != nil {
			panic(err)
		}
		return t
	}
	str := func(v string) *string { return &v }
	approved := registration{kipu.RegistrationResponseStatusAPPROVED, registrationMessages[kipu.RegistrationResponseStatusAPPROVED]}
	add := func(ident identity) *userRow {
		s.identities[ident.id] = &ident
		u := &userRow{identity: ident, seq: s.next()}
		s.users[ident.id] = u
		s.registrations[emailKey(ident.email)] = approved
		return u
	}
	ada := add(identity{id: AdaID, username: "ada", email: "ada@example.com", firstname: "Ada", lastname: "Lovelace"})
	ada.currentPosition = str("Analyst")
	ada.homepage = str("https://example.com/ada")
	ada.about = str("Wrote the first program for the Analytical Engine.")
	s.accessTokens[adaAccessToken] = AdaID
	s.putTokenLocked(AdaID, defaultTokenName, "3c1e2d3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f", adaToken, true, at("2026-01-10 08:00:00"), nil)
	ci := s.putTokenLocked(AdaID, "ci-token", "0b7d5e9a-1f3c-4a2b-8d6e-5c4b3a2f1e0d", "kqh_pat_7c4e1a9b2d5f8e3a6b0c", false, at("2026-01-15 09:30:00"), nil)
	used := at("2026-02-01 12:00:05")
	ci.usedAt = &used
	exp := openapi_types.Date{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.putTokenLocked(AdaID, "laptop", "6c1e2d3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f", "kqh_pat_1d3f5a7c9e2b4d6f8a0c", false, at("2026-01-20 18:45:12"), &exp)

	alan := add(identity{id: AlanID, username: "alan", email: "alan@example.com", firstname: "Alan", lastname: "Turing"})
	alan.currentPosition = str("Reader in Mathematics")
	alan.image, alan.imageType = slices.Clone(seedPNG), "image/png"
	s.putTokenLocked(AlanID, defaultTokenName, "", "kqh_default_8b0d2f4a6c8e1b3d5f7a", true, at("2026-01-11 08:00:00"), nil)
	s.putTokenLocked(AlanID, "alan-laptop", AlanTokenID, "kqh_pat_2e4a6c8e0b1d3f5a7c9e", false, at("2026-01-12 10:00:00"), nil)

	add(identity{id: GraceID, username: "grace", email: "grace@example.com", firstname: "Grace", lastname: "Hopper"})
	s.putTokenLocked(GraceID, defaultTokenName, "", "kqh_default_5e7a9c1e3b5d7f9a2c4e", true, at("2026-01-12 08:00:00"), nil)

	for email, st := range map[string]kipu.RegistrationResponseStatus{
		PendingEmail:    kipu.RegistrationResponseStatusPENDING,
		RejectedEmail:   kipu.RegistrationResponseStatusREJECTED,
		UnverifiedEmail: kipu.RegistrationResponseStatusEMAILNOTVERIFIED,
	} {
		s.registrations[email] = registration{st, registrationMessages[st]}
	}
}

// now reads the fake's clock.
func (f *Fake) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// AddIdentity adds an identity-provider account that is not yet a user:
// its first GET /me provisions it. It returns the user id and the raw value
// of the identity's default token; its email is registered as APPROVED.
// An existing identity with the same ID is replaced.
func (f *Fake) AddIdentity(ident Identity) (userID, token string) {
	return f.store.addIdentity(identity{ident.ID, ident.Username, ident.Email, ident.Firstname, ident.Lastname}, false, f.now())
}

// AddUser is AddIdentity with the user profile provisioned at once.
func (f *Fake) AddUser(ident Identity) (userID, token string) {
	return f.store.addIdentity(identity{ident.ID, ident.Username, ident.Email, ident.Firstname, ident.Lastname}, true, f.now())
}

// SetRegistrationStatus sets the registration status answered for email
// (case-insensitive); an empty message uses the service's standard one.
func (f *Fake) SetRegistrationStatus(email string, status kipu.RegistrationResponseStatus, message string) {
	f.store.setRegistration(email, status, message)
}

// User returns the provisioned profile of user id, as GET /me would.
func (f *Fake) User(id string) (kipu.UserDto, bool) {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return kipu.UserDto{}, false
	}
	return u.dto(), true
}

// UserCount returns how many users are provisioned.
func (f *Fake) UserCount() int {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}

// Tokens returns the metadata of every token of identity userID, the
// default token (named "default") included, in creation order. Raw values
// are never included.
func (f *Fake) Tokens(userID string) []kipu.AccessTokenDto {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kipu.AccessTokenDto{}
	for _, t := range s.ownTokensLocked(userID) {
		out = append(out, t.dto())
	}
	return out
}

// ProfileImage returns the stored profile image of user id.
func (f *Fake) ProfileImage(id string) (data []byte, contentType string, ok bool) {
	data, contentType, err := f.store.image(id)
	return data, contentType, err == nil
}

// Handler returns the complete Kipu service: the kit (routing, fault
// injection, validation of requests against api/kipu.yaml and of the
// fake's own answers: see fake.ValidateResponses), then authentication of
// the operations the document's security protects, then the generated
// handler mounted at BasePath.
func (f *Fake) Handler(opts ...fakekit.Option) http.Handler {
	doc := document()
	public := doc.Public
	kit := fakekit.MustNew(fakekit.Config{
		Service: "kipu", Document: doc, BasePath: BasePath, Faults: f.Faults,
		BadRequest: func(w http.ResponseWriter, r *http.Request, e fakekit.RequestError) {
			f.writeError(w, e.Status, e.Message, r.URL.Path)
		},
	}, opts...)
	strict := kipuserver.NewStrictHandlerWithOptions(f, nil, kipuserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			f.writeError(w, http.StatusBadRequest, err.Error(), r.URL.Path)
		},
		ResponseErrorHandlerFunc: f.renderError,
	})
	mux := http.NewServeMux()
	kipuserver.HandlerWithOptions(strict, kipuserver.StdHTTPServerOptions{
		BaseURL:    BasePath,
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			f.writeError(w, http.StatusBadRequest, err.Error(), r.URL.Path)
		},
	})
	// A path the document's router takes but Go's mux does not (an empty
	// segment, as in /users//) gets Spring's JSON 404, not the mux's text.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			f.writeError(w, http.StatusNotFound, "", r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return kit.Handler(f.authenticate(public, h))
}

type principalKey struct{}
type pathKey struct{}

// authenticate authenticates every non-public operation by either scheme the
// document's security allows: an OAuth2 access token in "Authorization:
// Bearer" or a personal access token in X-Auth-Token, and puts the
// principal in the context; a missing, unknown, deleted or expired
// credential gets 401 in the service's error shape.
func (f *Fake) authenticate(public map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), pathKey{}, r.URL.Path)
		if !public[fakekit.OperationOf(ctx)] {
			var p principal
			var err error
			bearer, isBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			switch token := r.Header.Get("X-Auth-Token"); {
			case isBearer && bearer != "":
				if p, err = f.store.authenticateBearer(bearer); err != nil {
					f.writeError(w, http.StatusUnauthorized, "Invalid or expired access token", r.URL.Path)
					return
				}
			case token != "":
				if p, err = f.store.authenticate(token, f.now()); err != nil {
					f.writeError(w, http.StatusUnauthorized, "Invalid or expired personal access token", r.URL.Path)
					return
				}
			default:
				f.writeError(w, http.StatusUnauthorized, "Full authentication is required to access this resource", r.URL.Path)
				return
			}
			ctx = context.WithValue(ctx, principalKey{}, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// IssueAccessToken plays the identity provider: it returns a new OAuth2
// access token for the user id, to send as "Authorization: Bearer" (see
// client.WithBearerToken). It stops working when the user is deleted.
func (f *Fake) IssueAccessToken(userID string) string {
	return f.store.issueAccessToken(userID)
}

// errorResponse is the Spring Boot error body the service answers.
func (f *Fake) errorResponse(status int, msg, path string) kipu.ErrorResponse {
	e := kipu.ErrorResponse{
		Timestamp: f.now().UTC().Truncate(time.Millisecond),
		Status:    int32(status),
		Error:     http.StatusText(status),
		Path:      path,
	}
	if msg != "" {
		e.Message = &msg
	}
	return e
}

func (f *Fake) errorBody(status int, msg, path string) []byte {
	b, _ := json.Marshal(f.errorResponse(status, msg, path))
	return b
}

func (f *Fake) writeError(w http.ResponseWriter, status int, msg, path string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(f.errorBody(status, msg, path))
}

// Server is a running Kipu fake.
type Server struct {
	*fakekit.Server
	// Fake is the server's state.
	Fake *Fake
	// Token is a valid personal access token (the default token) of the
	// seeded current user Ada; pass it to client.WithPersonalAccessToken.
	// Regenerating the default token invalidates it.
	Token string
	// AccessToken is an OAuth2 access token of Ada's from the identity
	// provider; pass it to client.WithBearerToken instead of Token.
	AccessToken string
	// UserID is Ada's user id (AdaID).
	UserID string
}

// Start starts a seeded Kipu fake on 127.0.0.1 with a random port. URL is
// the bare address; the service answers under URL + BasePath.
func Start(opts ...fakekit.Option) *Server { return fakekit.MustStart(Listen, opts) }

// Listen starts a seeded Kipu fake on addr (such as 127.0.0.1:8081).
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	return fakekit.ListenAs(addr, f.Handler, f.Faults, controlled{f}, opts, func(s *fakekit.Server) *Server { return newServer(s, f) })
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{Server: s, Fake: f, Token: adaToken, AccessToken: adaAccessToken, UserID: AdaID}
}

// document is api/kipu.yaml as the fake serves it, prepared once per
// process.
var document = fakekit.Prepare("kipu", BasePath, kipuserver.GetSpec, nil)
