// Package client is the idiomatic Go facade over the generated clients of
// four user-management APIs: the Kipu Quantum Hub user-service, Harbor's
// user API v2.0, Homebox's /api/v1/users and Vectara's v2 users.
//
//	go get github.com/userapis/userapis-go@latest
//
//	import "github.com/userapis/userapis-go/client"
//
// # Services
//
// One constructor per service. Every method is named after the operationId
// of the service's document in api/ and has the shape
//
//	(ctx, args..., opts ...CallOption) (result, *Response, error)
//
// where *Response is the HTTP answer (body already read, in RawBody), also
// returned with an error when one arrived.
//
// Kipu Quantum Hub: NewKipu. Credentials: WithPersonalAccessToken (sent as
// X-Auth-Token) or WithBearerToken (an OAuth2 access token). Base URL:
// KipuDefaultBaseURL unless WithBaseURL says otherwise. Results are in
// github.com/userapis/userapis-go/gen/kipu (kipu.UserDto, …) and in this
// package for access tokens (KipuAccessToken, with times as time.Time).
//
//	k, err := client.NewKipu(client.WithPersonalAccessToken(os.Getenv("KIPU_TOKEN")))
//
// Harbor: NewHarbor. Credentials: WithBasicAuth. Base URL: required, the
// portal's address. Results and request types are in
// github.com/userapis/userapis-go/gen/harbor (harbor.UserResp,
// harbor.UserCreationReq, harbor.ListUsersParams, …); HarborQuery builds
// the q parameter of ListUsers.
//
//	h, err := client.NewHarbor(client.WithBaseURL("https://harbor.example.com"),
//		client.WithBasicAuth("admin", os.Getenv("HARBOR_PASSWORD")))
//
// Homebox: NewHomebox. Credentials: UserLogin (the client keeps the session
// token), or WithBearerToken (a saved session token) or WithAPIKey. Base
// URL: required, the address a person opens in a browser. Results are in
// github.com/userapis/userapis-go/gen/homebox (homebox.UserOut, …).
//
//	hb, err := client.NewHomebox(client.WithBaseURL("https://homebox.example.com"))
//	_, _, err = hb.UserLogin(ctx, email, password, false)
//
// Vectara: NewVectara. Credentials: WithAPIKey (x-api-key) or OAuth2 client
// credentials, WithClientCredentials (the token is fetched, cached and
// renewed) or WithTokenSource. Base URL: VectaraDefaultBaseURL unless
// WithBaseURL says otherwise. Results are in
// github.com/userapis/userapis-go/gen/vectara (vectara.User, …).
//
//	v, err := client.NewVectara(client.WithAPIKey(os.Getenv("VECTARA_API_KEY")))
//
// The base URL follows one rule for all four (WithBaseURL): the host, or
// the host with the service's API path or a leading part of it, with or
// without a trailing slash; the API path is appended once. A 404 for a
// path the server does not have says "check WithBaseURL".
//
// Optional fields of the generated types are pointers: Ptr makes one
// (harbor.UserCreationReq{Comment: client.Ptr("ops")}). UUIDs are
// github.com/google/uuid values; date-time fields are time.Time.
//
// # Options
//
// Options are typed by where they apply. A constructor takes ClientOptions,
// a method CallOptions; an Option is both (it sets the client's default, or
// one call's value): WithTimeout, WithMaxRetries, WithRetryBackoff,
// WithMaxRetryAfter, WithHeader, WithUserAgent, WithLogger, WithoutAuth
// and the credentials. WithBaseURL, WithHTTPClient, WithClientCredentials
// and WithTokenSource are construction only; WithRequestID and
// WithResponseInto one call only; the compiler refuses them elsewhere. An
// option that cannot apply (a credential of another service, a negative
// retry count or timeout, an invalid header) is an *OptionError, before
// anything is sent.
//
// # Errors
//
// A non-2xx answer is an *APIError (status, headers, raw body, the
// service's decoded message and code, request id, hint), matching one class
// sentinel with errors.Is: ErrBadRequest, ErrUnauthorized, ErrForbidden,
// ErrNotFound, ErrConflict, ErrPreconditionFailed, ErrRateLimited,
// ErrServer. A 2xx whose body is not the documented one is a *DecodeError
// (ErrUnexpectedResponse); no answer at all a *TransportError; a refused
// argument a *ParamError (ErrInvalidParam) and a refused option an
// *OptionError (ErrInvalidOption), both before anything is sent. A server
// asking to wait longer than WithMaxRetryAfter gives a *RetryAfterError
// (ErrRetryAfterTooLong). A result is never nil with a nil error, except
// where the document says the result is nullable (Kipu's profile image).
// Decoding is strict where a zero would look real: a 2xx body of another
// JSON kind than the result (null for an object or a list) or without the
// fields the result is identified by (Harbor's user_id and username, Kipu's
// id, Homebox's id and email, an API key's id, a login's token) is a
// *DecodeError; another required field that is missing decodes as its zero
// value. A POST or PATCH whose answer was lost, or was 500, 502 or 504,
// matches ErrOutcomeUnknown: it may have been processed (each create
// method says how to find out). A body over WithMaxResponseSize (32 MiB by
// default, after decompression) is ErrResponseTooLarge. A wait that would
// outlast the context's deadline is not started: the last answer is
// returned, with its Retry-After.
// No error, log line or fmt output carries a credential: not the ones the
// client sends, nor a password or secret a call sends in its body, even
// where a server echoes one back (in its message, field errors or any
// response header, as sent, URL-escaped, base64 or JSON-escaped). The raw
// Body and Header fields keep what the server sent, for code that needs it.
//
// # Retries
//
// GET, HEAD, PUT and DELETE are retried on connection errors, 408, 429,
// 502, 503 and 504, and on 500 only for GET and HEAD; POST and PATCH only
// when the server cannot have processed the request (429, 503, a failed
// connect), so a create is never sent twice. Retry-After and
// Retry-After-Ms are honoured up to a cap; a 429 on a login is returned at
// once; a host that does not resolve is not retried. WithMaxRetries and
// WithRetryBackoff tune it, per client or per call.
//
// # Iterators
//
// Harbor's ListUsersIter and Vectara's ListUsersIter take the same
// arguments, (ctx, *params, opts...), and return an iter.Seq2[user, error]
// that pages as the server announces and ends after the first error.
// Harbor's search does not page: SearchUsers is one call.
//
// # Logging
//
// WithLogger logs one debug line per attempt (operation, method, redacted
// URL, status, attempt, duration) to a log/slog logger; nothing is logged
// by default. Credentials never follow a redirect to another host or to
// plain http.
//
// # Testing with fakes
//
// The fakes in github.com/userapis/userapis-go/fake/kipufake, harborfake,
// homeboxfake and vectarafake are in-memory servers that behave like the
// real services, with seeded credentials and fault injection; give their
// URL to WithBaseURL. `go run github.com/userapis/userapis-go/cmd/userapis
// serve` runs them as a process. See Example (TestingWithAFake).
package client
