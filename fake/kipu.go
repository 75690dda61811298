package fake

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/kipu"
)

// KipuBasePath is the path the Kipu user-service is mounted at; it is part
// of KipuServer.URL.
const KipuBasePath = "/user-service"

// Seeded Kipu users. Ada is the current user of KipuServer.Token; Alan has
// a PNG profile image and a named token KipuAlanTokenID; Grace has neither.
const (
	KipuAdaID       = "0e1f7a3c-5b2d-4c6e-8a9f-1d2c3b4a5e6f"
	KipuAlanID      = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
	KipuGraceID     = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
	KipuAlanTokenID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
)

// Seeded registration statuses (besides APPROVED for every seeded user's
// email); any other email is NOT_FOUND.
const (
	KipuPendingEmail    = "pending@example.com"
	KipuRejectedEmail   = "rejected@example.com"
	KipuUnverifiedEmail = "unverified@example.com"
)

// kipuAdaToken is the raw value of Ada's seeded default token.
const kipuAdaToken = "kqh_default_3f9a1c7e5b2d4f6a8c0e"

// kipuAdaAccessToken is an OAuth2 access token of Ada's, as the identity
// provider would issue it.
const kipuAdaAccessToken = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.kipu-fake-access-token"

// kipuSeedPNG is a 1x1 PNG, Alan's seeded profile image.
var kipuSeedPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// KipuIdentity is an account of the identity provider behind the Kipu
// user-service. Username, email and names are owned by the identity
// provider: PUT /me cannot change them.
type KipuIdentity struct {
	ID        string // user id (identity-provider subject); generated when empty
	Username  string // defaults to Email
	Email     string
	Firstname string
	Lastname  string
}

// KipuFake is an in-memory Kipu Quantum Hub user-service implementing the
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
type KipuFake struct {
	// Faults injects failures; it is shared with the server.
	Faults *Faults
	// Now is the fake's clock (token expiry, createdAt, usedAt, error
	// timestamps). Tests may replace it while no request is in flight.
	Now func() time.Time

	store *kipuStore
}

var _ kipu.StrictServerInterface = (*KipuFake)(nil)

// NewKipuFake returns a fake with the deterministic seed: provisioned users
// Ada Lovelace (KipuAdaID, default token kept in KipuServer.Token, named
// tokens "ci-token" and "laptop"), Alan Turing (KipuAlanID, PNG profile
// image, token KipuAlanTokenID) and Grace Hopper (KipuGraceID); APPROVED
// registrations for their emails, and KipuPendingEmail, KipuRejectedEmail,
// KipuUnverifiedEmail with those statuses.
func NewKipuFake() *KipuFake {
	f := &KipuFake{Now: time.Now, store: newKipuStore()}
	f.Faults = &Faults{errFn: func(status int, msg string) []byte {
		// Faults do not know the request path; the service root stands in.
		return f.errorBody(status, msg, KipuBasePath)
	}}
	f.seed()
	return f
}

func (f *KipuFake) seed() {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	at := func(v string) time.Time {
		t, err := time.Parse(kipuTimeLayout, v)
		if err != nil {
			panic(err)
		}
		return t
	}
	str := func(v string) *string { return &v }
	approved := kipuRegistration{kipu.RegistrationResponseStatusAPPROVED, kipuRegistrationMessages[kipu.RegistrationResponseStatusAPPROVED]}
	add := func(ident kipuIdentity) *kipuUser {
		s.identities[ident.id] = &ident
		u := &kipuUser{kipuIdentity: ident, seq: s.next()}
		s.users[ident.id] = u
		s.registrations[kipuEmailKey(ident.email)] = approved
		return u
	}
	ada := add(kipuIdentity{id: KipuAdaID, username: "ada", email: "ada@example.com", firstname: "Ada", lastname: "Lovelace"})
	ada.currentPosition = str("Analyst")
	ada.homepage = str("https://example.com/ada")
	ada.about = str("Wrote the first program for the Analytical Engine.")
	s.accessTokens[kipuAdaAccessToken] = KipuAdaID
	s.putTokenLocked(KipuAdaID, kipuDefaultTokenName, "3c1e2d3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f", kipuAdaToken, true, at("2026-01-10 08:00:00"), nil)
	ci := s.putTokenLocked(KipuAdaID, "ci-token", "0b7d5e9a-1f3c-4a2b-8d6e-5c4b3a2f1e0d", "kqh_pat_7c4e1a9b2d5f8e3a6b0c", false, at("2026-01-15 09:30:00"), nil)
	used := at("2026-02-01 12:00:05")
	ci.usedAt = &used
	exp := openapi_types.Date{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.putTokenLocked(KipuAdaID, "laptop", "6c1e2d3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f", "kqh_pat_1d3f5a7c9e2b4d6f8a0c", false, at("2026-01-20 18:45:12"), &exp)

	alan := add(kipuIdentity{id: KipuAlanID, username: "alan", email: "alan@example.com", firstname: "Alan", lastname: "Turing"})
	alan.currentPosition = str("Reader in Mathematics")
	alan.image, alan.imageType = slices.Clone(kipuSeedPNG), "image/png"
	s.putTokenLocked(KipuAlanID, kipuDefaultTokenName, "", "kqh_default_8b0d2f4a6c8e1b3d5f7a", true, at("2026-01-11 08:00:00"), nil)
	s.putTokenLocked(KipuAlanID, "alan-laptop", KipuAlanTokenID, "kqh_pat_2e4a6c8e0b1d3f5a7c9e", false, at("2026-01-12 10:00:00"), nil)

	add(kipuIdentity{id: KipuGraceID, username: "grace", email: "grace@example.com", firstname: "Grace", lastname: "Hopper"})
	s.putTokenLocked(KipuGraceID, kipuDefaultTokenName, "", "kqh_default_5e7a9c1e3b5d7f9a2c4e", true, at("2026-01-12 08:00:00"), nil)

	for email, st := range map[string]kipu.RegistrationResponseStatus{
		KipuPendingEmail:    kipu.RegistrationResponseStatusPENDING,
		KipuRejectedEmail:   kipu.RegistrationResponseStatusREJECTED,
		KipuUnverifiedEmail: kipu.RegistrationResponseStatusEMAILNOTVERIFIED,
	} {
		s.registrations[email] = kipuRegistration{st, kipuRegistrationMessages[st]}
	}
}

// now reads the fake's clock.
func (f *KipuFake) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// AddIdentity adds an identity-provider account that is not yet a user:
// its first GET /me provisions it. It returns the user id and the raw value
// of the identity's default token; its email is registered as APPROVED.
// An existing identity with the same ID is replaced.
func (f *KipuFake) AddIdentity(ident KipuIdentity) (userID, token string) {
	return f.store.addIdentity(kipuIdentity{ident.ID, ident.Username, ident.Email, ident.Firstname, ident.Lastname}, false, f.now())
}

// AddUser is AddIdentity with the user profile provisioned at once.
func (f *KipuFake) AddUser(ident KipuIdentity) (userID, token string) {
	return f.store.addIdentity(kipuIdentity{ident.ID, ident.Username, ident.Email, ident.Firstname, ident.Lastname}, true, f.now())
}

// SetRegistrationStatus sets the registration status answered for email
// (case-insensitive); an empty message uses the service's standard one.
func (f *KipuFake) SetRegistrationStatus(email string, status kipu.RegistrationResponseStatus, message string) {
	f.store.setRegistration(email, status, message)
}

// User returns the provisioned profile of user id, as GET /me would.
func (f *KipuFake) User(id string) (kipu.UserDto, bool) {
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
func (f *KipuFake) UserCount() int {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}

// Tokens returns the metadata of every token of identity userID, the
// default token (named "default") included, in creation order. Raw values
// are never included.
func (f *KipuFake) Tokens(userID string) []kipu.AccessTokenDto {
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
func (f *KipuFake) ProfileImage(id string) (data []byte, contentType string, ok bool) {
	data, contentType, err := f.store.image(id)
	return data, contentType, err == nil
}

// Handler returns the complete Kipu service: fault injection and request
// validation, then authentication, then the generated handler mounted at
// KipuBasePath.
func (f *KipuFake) Handler(opts ...Option) http.Handler {
	doc, err := kipu.GetSpec()
	if err != nil {
		panic("fake: kipu document: " + err.Error())
	}
	public := kipuPublicOps(doc)
	v, err := newValidator("kipu", doc, KipuBasePath, newOptions(opts))
	if err != nil {
		panic("fake: kipu validator: " + err.Error())
	}
	strict := kipu.NewStrictHandlerWithOptions(f, nil, kipu.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			f.writeError(w, http.StatusBadRequest, err.Error(), r.URL.Path)
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			f.writeError(w, http.StatusInternalServerError, err.Error(), r.URL.Path)
		},
	})
	mux := http.NewServeMux()
	kipu.HandlerWithOptions(strict, kipu.StdHTTPServerOptions{
		BaseURL:    KipuBasePath,
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
	auth := f.kipuAuth(public, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		bad := func(w http.ResponseWriter, status int, msg string) { f.writeError(w, status, msg, path) }
		v.middleware(f.Faults, bad, auth).ServeHTTP(w, r)
	})
}

// kipuPublicOps lists the operations with `security: []`, which need no
// token (users, registration status, token resolution).
func kipuPublicOps(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				out[kipuLowerFirst(op.OperationID)] = true
			}
		}
	}
	return out
}

func kipuLowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

type kipuPrincipalKey struct{}
type kipuPathKey struct{}

// kipuAuth authenticates every non-public operation by either scheme the
// document's security allows: an OAuth2 access token in "Authorization:
// Bearer" or a personal access token in X-Auth-Token, and puts the
// principal in the context; a missing, unknown, deleted or expired
// credential gets 401 in the service's error shape.
func (f *KipuFake) kipuAuth(public map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), kipuPathKey{}, r.URL.Path)
		if !public[operationOf(ctx)] {
			var p kipuPrincipal
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
			ctx = context.WithValue(ctx, kipuPrincipalKey{}, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// IssueAccessToken plays the identity provider: it returns a new OAuth2
// access token for the user id, to send as "Authorization: Bearer" (see
// client.WithBearerToken). It stops working when the user is deleted.
func (f *KipuFake) IssueAccessToken(userID string) string {
	return f.store.issueAccessToken(userID)
}

// errorResponse is the Spring Boot error body the service answers.
func (f *KipuFake) errorResponse(status int, msg, path string) kipu.ErrorResponse {
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

func (f *KipuFake) errorBody(status int, msg, path string) []byte {
	b, _ := json.Marshal(f.errorResponse(status, msg, path))
	return b
}

func (f *KipuFake) writeError(w http.ResponseWriter, status int, msg, path string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(f.errorBody(status, msg, path))
}

// KipuServer is a running Kipu fake.
type KipuServer struct {
	*Server
	// Fake is the server's state.
	Fake *KipuFake
	// Token is a valid personal access token (the default token) of the
	// seeded current user Ada; pass it to client.WithPersonalAccessToken.
	// Regenerating the default token invalidates it.
	Token string
	// AccessToken is an OAuth2 access token of Ada's from the identity
	// provider; pass it to client.WithBearerToken instead of Token.
	AccessToken string
	// UserID is Ada's user id (KipuAdaID).
	UserID string
}

// StartKipu starts a seeded Kipu fake on 127.0.0.1 with a random port.
// URL ends in KipuBasePath, as client.WithBaseURL expects.
func StartKipu(opts ...Option) *KipuServer {
	f, log := NewKipuFake(), &violationLog{}
	return &KipuServer{Server: start(f.Handler(recordInto(log, opts)...), f.Faults, KipuBasePath, log), Fake: f, Token: kipuAdaToken, AccessToken: kipuAdaAccessToken, UserID: KipuAdaID}
}

// ListenKipu starts a seeded Kipu fake on addr (such as 127.0.0.1:8081).
func ListenKipu(addr string, opts ...Option) (*KipuServer, error) {
	f, log := NewKipuFake(), &violationLog{}
	s, err := listenOn(addr, f.Handler(recordInto(log, opts)...), f.Faults, KipuBasePath, log)
	if err != nil {
		return nil, err
	}
	return &KipuServer{Server: s, Fake: f, Token: kipuAdaToken, AccessToken: kipuAdaAccessToken, UserID: KipuAdaID}, nil
}
