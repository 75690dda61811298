// Package client is the idiomatic Go facade over the generated clients of
// four user-management APIs: the Kipu Quantum Hub user-service, Harbor's
// user API v2.0, Homebox's /api/v1/users and Vectara's v2 users. Each
// service has a constructor, and every method is named after the
// operationId of the service's document in api/:
//
//	k, err := client.NewKipu(client.WithPersonalAccessToken(token))            // or WithBearerToken (OAuth2)
//	h, err := client.NewHarbor(client.WithBaseURL("https://harbor.example.com"), client.WithBasicAuth(user, pass))
//	hb, err := client.NewHomebox(client.WithBaseURL("https://homebox.example.com")) // then hb.UserLogin
//	v, err := client.NewVectara(client.WithAPIKey(key))                        // or WithClientCredentials
//
// Every method has the shape
//
//	(ctx, args..., opts ...CallOption) (result, *Response, error)
//
// where *Response is the HTTP answer (body already read, in RawBody), also
// returned with an error when one arrived.
//
// # Options
//
// One Option type configures a client (at construction) and a single call
// (as the last arguments of a method): WithTimeout, WithMaxRetries,
// WithRetryBackoff, WithMaxRetryAfter, WithHeader, WithRequestID,
// WithLogger, WithResponseInto, and the credentials.
//
// # Errors
//
// A non-2xx answer is an *APIError (status, headers, raw body, the
// service's decoded message and code, request id), matching one class
// sentinel with errors.Is: ErrBadRequest, ErrUnauthorized, ErrForbidden,
// ErrNotFound, ErrConflict, ErrPreconditionFailed, ErrRateLimited,
// ErrServer. A 2xx whose body is not the documented one is a *DecodeError
// (ErrUnexpectedResponse); no answer at all a *TransportError; a refused
// argument a *ParamError, before anything is sent. A server asking to wait
// longer than WithMaxRetryAfter gives a *RetryAfterError
// (ErrRetryAfterTooLong). A result is never nil with a nil error, except
// where the document says the result is nullable (Kipu's profile image).
//
// # Retries
//
// GET, HEAD, PUT and DELETE are retried on connection errors, 408, 429,
// 502, 503 and 504, and on 500 only for GET and HEAD; POST and PATCH only
// when the server cannot have processed the request (429, 503, a failed
// connect), so a create is never sent twice. Retry-After and
// Retry-After-Ms are honoured up to a cap; a 429 on a login is returned at
// once; a host that does not resolve is not retried.
//
// # Iterators and logging
//
// Harbor's ListUsersIter and Vectara's ListUsersIter are iter.Seq2
// iterators that page as the server announces (Harbor's search does not
// page: SearchUsers is one call). WithLogger logs one debug line per
// attempt with credentials redacted; credentials never follow a redirect
// to another host or to plain http.
//
// # Testing with fakes
//
// The fakes in fake/kipufake, fake/harborfake, fake/homeboxfake and
// fake/vectarafake are in-memory servers that behave like the real
// services; give their URL to WithBaseURL.
package client
