// The Vectara client (api/vectara.yaml): x-api-key or OAuth2 client
// credentials (token cached and renewed once on a 401), users, page_key
// paging.

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/userapis/userapis-go/gen/vectara"
)

// Vectara defaults.
const (
	VectaraDefaultBaseURL  = "https://api.vectara.io"
	VectaraDefaultTokenURL = "https://auth.vectara.io/oauth2/token"
)

// Vectara is a client for the Vectara v2 users API (api/vectara.yaml).
// It authenticates with WithAPIKey (x-api-key) or with OAuth2 client
// credentials (WithClientCredentials or WithTokenSource).
//
// Usernames are passed plain ("ada@example.com"): the client percent-encodes
// them once into the path, so callers must not encode them themselves.
type Vectara struct {
	c *core
}

// NewVectara returns a Vectara client. The base URL defaults to
// VectaraDefaultBaseURL; another host is given with WithBaseURL, with or
// without the operations' /v2.
func NewVectara(opts ...ClientOption) (*Vectara, error) {
	c, err := newCore("vectara", VectaraDefaultBaseURL, apiPaths{server: "", full: "/v2"}, opts)
	if err != nil {
		return nil, err
	}
	var cache *vectaraTokenCache
	if cc := c.cfg.clientCreds; cc != nil && c.cfg.tokenSource == nil {
		tokenURL := cc.tokenURL
		if tokenURL == "" {
			tokenURL = VectaraDefaultTokenURL
		}
		conf := &clientcredentials.Config{ClientID: cc.id, ClientSecret: cc.secret, TokenURL: tokenURL, Scopes: cc.scopes}
		// The token endpoint is reached with the same *http.Client (its
		// transport and TLS settings), redirect-safe. The cache keeps the
		// token and renews it shortly before it expires, or when the
		// service refuses it.
		cache = &vectaraTokenCache{conf: conf, hc: c.hc}
		c.cfg.tokenSource = cache
	}
	c.authorize = func(ctx context.Context, req *http.Request, cfg *config) error {
		switch {
		case cfg.apiKey != "":
			req.Header.Set("X-Api-Key", cfg.apiKey)
		case cfg.tokenSource != nil:
			var tok *oauth2.Token
			var err error
			if tc, ok := cfg.tokenSource.(*vectaraTokenCache); ok {
				tok, err = tc.token(ctx) // bounded by the call's context and timeout
			} else {
				tok, err = cfg.tokenSource.Token()
			}
			if err != nil {
				return &authError{service: "vectara", err: fmt.Errorf("fetching OAuth2 token: %w", sanitizeTokenError(err))}
			}
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		default:
			return &authError{service: "vectara", err: fmt.Errorf("%w: use WithAPIKey or WithClientCredentials", ErrNotAuthenticated)}
		}
		return nil
	}
	c.decodeError = func(e *APIError) {
		var body struct {
			Messages    []string          `json:"messages"`
			RequestID   string            `json:"request_id"`
			FieldErrors map[string]string `json:"field_errors"`
			ID          string            `json:"id"`
		}
		if decodeJSONError(e, &body) {
			e.Message = strings.Join(body.Messages, "; ")
			if e.RequestID == "" {
				e.RequestID = body.RequestID
			}
			if len(body.FieldErrors) > 0 {
				e.Fields = body.FieldErrors
			}
		}
	}
	if cache != nil {
		// A token the service refuses (its clock says expired, or it was
		// revoked) is dropped and the call sent once more with a fresh one;
		// only for the client's own client-credentials token.
		c.renewAuth = func(cfg *config, sent *http.Request) bool {
			if cfg.apiKey != "" || cfg.withoutCredentials || cfg.tokenSource != oauth2.TokenSource(cache) {
				return false
			}
			access, ok := strings.CutPrefix(sent.Header.Get("Authorization"), "Bearer ")
			if !ok {
				return false
			}
			cache.drop(access)
			return true
		}
	}
	return &Vectara{c: c}, nil
}

// vectaraTokenCache holds the client-credentials access token. Like
// oauth2.ReuseTokenSource it fetches a token once and reuses it until
// shortly before it expires, but the fetch runs under the call's context
// (so a hanging token endpoint cannot outlive the call's deadline), and a
// token the service refuses with 401 can be dropped.
type vectaraTokenCache struct {
	conf *clientcredentials.Config
	hc   *http.Client

	mu  sync.Mutex
	tok *oauth2.Token
}

func (c *vectaraTokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Valid() {
		return c.tok, nil
	}
	tok, err := c.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, c.hc))
	if err != nil {
		return nil, err
	}
	c.tok = tok
	return tok, nil
}

// Token implements oauth2.TokenSource.
func (c *vectaraTokenCache) Token() (*oauth2.Token, error) { return c.token(context.Background()) }

// drop forgets access if it is still the cached token.
func (c *vectaraTokenCache) drop(access string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == access {
		c.tok = nil
	}
}

// sanitizeTokenError keeps the token endpoint's status and error code but
// not its raw body, which may echo what was sent.
func sanitizeTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg := fmt.Sprintf("token endpoint answered %d", status)
		if re.ErrorCode != "" {
			msg += " (" + re.ErrorCode + ")"
		}
		if status == http.StatusUnauthorized || status == http.StatusBadRequest || status == http.StatusForbidden {
			return fmt.Errorf("%s: %w", msg, ErrUnauthorized)
		}
		return errors.New(msg)
	}
	return unwrapURLError(err)
}

// ListUsers returns one page of users. Pass the previous page's
// Metadata.PageKey as params.PageKey for the next; see ListUsersIter.
func (v *Vectara) ListUsers(ctx context.Context, params *vectara.ListUsersParams, opts ...CallOption) (*vectara.ListUsersPage, *Response, error) {
	const op = "listUsers"
	if params == nil {
		params = &vectara.ListUsersParams{}
	}
	return sendResult(ctx, v.c, op, opts,
		get(vectara.ListUsersPath(params)).with(vectara.ListUsersHeader(params)),
		jsonOK[vectara.ListUsersPage])
}

// ListUsersIter yields every user, following metadata.page_key until the
// service returns none. params (may be nil) gives limit and corpus_key; its
// PageKey is where to start.
func (v *Vectara) ListUsersIter(ctx context.Context, params *vectara.ListUsersParams, opts ...CallOption) iter.Seq2[vectara.User, error] {
	start := vectara.ListUsersParams{}
	if params != nil {
		start = *params
	}
	return func(yield func(vectara.User, error) bool) {
		// Every range starts over from the first page with its own state, so
		// the sequence can be ranged more than once.
		p := start
		seen := map[string]bool{}
		if p.PageKey != nil && *p.PageKey != "" {
			seen[*p.PageKey] = true
		}
		paginate(ctx, func(ctx context.Context) ([]vectara.User, bool, error) {
			page, _, err := v.ListUsers(ctx, &p, opts...)
			if err != nil {
				return nil, false, err
			}
			var users []vectara.User
			if page.Users != nil {
				users = *page.Users
			}
			next := ""
			if page.Metadata != nil && page.Metadata.PageKey != nil {
				next = *page.Metadata.PageKey
			}
			if next == "" {
				return users, false, nil
			}
			if seen[next] {
				return users, false, fmt.Errorf("vectara listUsers: page_key repeated; stopping to avoid a loop: %w", ErrUnexpectedResponse)
			}
			seen[next] = true
			p.PageKey = &next
			return users, true, nil
		})(yield)
	}
}

// CreateUser creates a user (201). When the answer is lost or is a 500,
// 502 or 504, the error matches ErrOutcomeUnknown and the user may exist:
// GetUser by the username before creating it again. The result carries
// the one-time code,
// when the service sends one. The live service may answer with empty
// username and email; they are filled from the request.
func (v *Vectara) CreateUser(ctx context.Context, body vectara.CreateUserRequest, opts ...CallOption) (*vectara.CreateUsersResponse, *Response, error) {
	const op = "createUser"
	u, resp, err := sendResult(ctx, v.c, op, opts,
		post(vectara.CreateUserPath()).json(body),
		jsonCreated[vectara.CreateUsersResponse])
	if err != nil {
		return nil, resp, err
	}
	if u.Email == nil || *u.Email == "" {
		email := body.Email
		u.Email = &email
	}
	if u.Username == nil || *u.Username == "" {
		name := body.Email
		if body.Username != nil && *body.Username != "" {
			name = *body.Username
		}
		u.Username = &name
	}
	return u, resp, nil
}

// GetUser returns the user with the given (plain, unencoded) username.
func (v *Vectara) GetUser(ctx context.Context, username string, opts ...CallOption) (*vectara.User, *Response, error) {
	const op = "getUser"
	if err := checkPathParam(op, "username", username); err != nil {
		return nil, nil, err
	}
	return sendResult(ctx, v.c, op, opts,
		get(vectara.GetUserPath(username)),
		jsonOK[vectara.User])
}

// UpdateUser changes the fields set in body (PATCH); a role list that is
// set replaces the current one. Username and email cannot change.
func (v *Vectara) UpdateUser(ctx context.Context, username string, body vectara.UpdateUserRequest, opts ...CallOption) (*vectara.User, *Response, error) {
	const op = "updateUser"
	if err := checkPathParam(op, "username", username); err != nil {
		return nil, nil, err
	}
	return sendResult(ctx, v.c, op, opts,
		patch(vectara.UpdateUserPath(username)).json(body),
		jsonOK[vectara.User])
}

// DeleteUser deletes the user (204).
func (v *Vectara) DeleteUser(ctx context.Context, username string, opts ...CallOption) (*Response, error) {
	const op = "deleteUser"
	if err := checkPathParam(op, "username", username); err != nil {
		return nil, err
	}
	return sendEmpty(ctx, v.c, op, opts,
		del(vectara.DeleteUserPath(username)),
		http.StatusNoContent)
}

// ResetUserPassword starts a password reset. The result's one-time code
// fields are set when the service returns them; an empty 200 or a 204 (as
// older deployments answer) gives an empty result.
func (v *Vectara) ResetUserPassword(ctx context.Context, username string, opts ...CallOption) (*vectara.ResetPasswordUsersResponse, *Response, error) {
	const op = "resetUserPassword"
	if err := checkPathParam(op, "username", username); err != nil {
		return nil, nil, err
	}
	r, resp, err := send(ctx, v.c, op, opts,
		post(vectara.ResetUserPasswordPath(username)),
		func(res *http.Response) (*vectara.ResetUserPasswordResponse, error) {
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
				return vectara.ParseResetUserPasswordResponse(res)
			}
			// Judge emptiness by the bytes, not ContentLength: a chunked or
			// compressed empty answer has ContentLength -1.
			b, err := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if err != nil {
				return nil, err
			}
			if res.StatusCode == http.StatusNoContent || len(bytes.TrimSpace(b)) == 0 {
				return &vectara.ResetUserPasswordResponse{Body: b, HTTPResponse: res, JSON200: &vectara.ResetPasswordUsersResponse{}}, nil
			}
			res.Body = io.NopCloser(bytes.NewReader(b))
			return vectara.ParseResetUserPasswordResponse(res)
		})
	if err != nil {
		return nil, resp, err
	}
	return requireResult(v.c, op, resp, r.JSON200)
}
