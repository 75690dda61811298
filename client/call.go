// The call pipeline of every facade method: build the generated request,
// send it (core.do: credentials, retries, logging), and decode the answer
// into the method's result, a typed error, or a *DecodeError.

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// send runs one operation: build its request, send it with retries, and
// parse the answer with the generated parser.
func send[R any](ctx context.Context, c *core, op string, opts []CallOption,
	build builder, parse func(*http.Response) (R, error),
) (R, *Response, error) {
	var zero R
	cfg, err := c.callConfig(opts)
	if err != nil {
		return zero, nil, fmt.Errorf("%s %s: %w", c.service, op, err)
	}
	req, shown, err := build(c.server)
	if err != nil {
		return zero, nil, fmt.Errorf("%s %s: building request: %w", c.service, op, err)
	}
	resp, err := c.do(ctx, cfg, op, req, shown)
	if cfg.responseInto != nil {
		*cfg.responseInto = resp
	}
	if err != nil {
		return zero, resp, err
	}
	parsed, err := parse(resp.bodyReset())
	if err != nil {
		return zero, resp, c.decodeErr(op, resp, err)
	}
	return parsed, resp, nil
}

// jsonOK parses an answer whose result is its JSON body with status 200.
func jsonOK[T any](res *http.Response) (*T, error) {
	return jsonAnswer[T](res, http.StatusOK)
}

// jsonCreated parses an answer whose result is its JSON body with status 201.
func jsonCreated[T any](res *http.Response) (*T, error) {
	return jsonAnswer[T](res, http.StatusCreated)
}

// jsonAnswer decodes, like the generated parsers, the body only when the
// status is code and the Content-Type names JSON, and returns nil otherwise
// (which requireResult turns into a *DecodeError). Unlike them, it decodes the bytes
// the attempt already read, instead of reading them into a new buffer, and
// builds no generated response wrapper.
func jsonAnswer[T any](res *http.Response, code int) (*T, error) {
	if res.StatusCode != code || !strings.Contains(res.Header.Get("Content-Type"), "json") {
		return nil, nil
	}
	var b []byte
	if rb, ok := res.Body.(*rawBody); ok {
		b = rb.b
	} else {
		var err error
		if b, err = io.ReadAll(res.Body); err != nil {
			return nil, err
		}
	}
	if err := checkKind[T](b); err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	if err := checkIdentity(v); err != nil {
		return nil, err
	}
	normalize(v)
	return v, nil
}

// A builder builds an operation's request against the server URL
// (core.server, which ends with a slash), and returns the URL string it
// parsed (what errors report, without rendering req.URL again).
type builder func(server string) (req *http.Request, url string, err error)

// get, head, post, put, patch and del build an operation's request from its
// URL relative to the server, as gen's <OperationId>Path returns it:
// http.NewRequest parses the joined URL once, where the generated
// New<OperationId>Request parses the server URL, the path and the result
// (three times the time and allocations). with adds its header parameters,
// json or raw its body. Both ways give the same request (paths_test.go).
func get(path string, err error) builder   { return route(http.MethodGet, path, err) }
func head(path string, err error) builder  { return route(http.MethodHead, path, err) }
func post(path string, err error) builder  { return route(http.MethodPost, path, err) }
func put(path string, err error) builder   { return route(http.MethodPut, path, err) }
func patch(path string, err error) builder { return route(http.MethodPatch, path, err) }
func del(path string, err error) builder   { return route(http.MethodDelete, path, err) }

func route(method, path string, err error) builder {
	return func(server string) (*http.Request, string, error) {
		if err != nil {
			return nil, "", err
		}
		u := strings.TrimSuffix(server, "/") + path
		req, err := http.NewRequest(method, u, nil)
		return req, u, err
	}
}

// with adds the header parameters gen's <OperationId>Header returns.
func (b builder) with(h http.Header, err error) builder {
	return func(server string) (*http.Request, string, error) {
		if err != nil {
			return nil, "", err
		}
		req, u, err := b(server)
		if err != nil {
			return nil, "", err
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		return req, u, nil
	}
}

// json sends v as the body, encoded as the generated builder encodes the
// operation's JSON body (encoding/json, application/json).
func (b builder) json(v any) builder {
	return func(server string) (*http.Request, string, error) {
		body, err := json.Marshal(v)
		if err != nil {
			return nil, "", err
		}
		return b.raw(body, "application/json")(server)
	}
}

// raw sends body with Content-Type contentType, replayable for a retry, as
// http.NewRequest sets up a body it is given as a *bytes.Reader.
func (b builder) raw(body []byte, contentType string) builder {
	return func(server string) (*http.Request, string, error) {
		req, u, err := b(server)
		if err != nil {
			return nil, "", err
		}
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if len(body) == 0 {
			req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
		}
		req.Header.Add("Content-Type", contentType)
		return req, u, nil
	}
}

func (c *core) decodeErr(op string, resp *Response, err error) error {
	return &DecodeError{
		Service: c.service, Operation: op, StatusCode: resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"), Body: resp.RawBody, Err: err,
	}
}

// discard is the parser of an operation whose result is not its body: no
// generated parser runs for a result that would be thrown away.
func discard(*http.Response) (struct{}, error) { return struct{}{}, nil }

// sendEmpty runs an operation whose documented answers carry no body and
// checks the status is one of codes.
func sendEmpty(ctx context.Context, c *core, op string, opts []CallOption,
	build builder, codes ...int,
) (*Response, error) {
	_, resp, err := send(ctx, c, op, opts, build, discard)
	if err != nil {
		return resp, err
	}
	return expectStatus(c, op, resp, codes...)
}

// sendResult runs an operation whose result is its body, as parse decodes
// it: a missing result (wrong status, Content-Type or JSON) is a
// *DecodeError, so a nil result never comes with a nil error.
func sendResult[T any](ctx context.Context, c *core, op string, opts []CallOption,
	build builder, parse func(*http.Response) (*T, error),
) (*T, *Response, error) {
	r, resp, err := send(ctx, c, op, opts, build, parse)
	if err != nil {
		return nil, resp, err
	}
	return requireResult(c, op, resp, r)
}

// requireResult returns v, or a *DecodeError when the generated parser found no body
// of the documented shape (wrong status, Content-Type or JSON).
func requireResult[T any](c *core, op string, resp *Response, v *T) (*T, *Response, error) {
	if v == nil {
		return nil, resp, c.decodeErr(op, resp, errors.New("no body of the documented type"))
	}
	return v, resp, nil
}

// expectStatus checks a body-less answer has one of the documented statuses.
func expectStatus(c *core, op string, resp *Response, codes ...int) (*Response, error) {
	for _, code := range codes {
		if resp.StatusCode == code {
			return resp, nil
		}
	}
	return resp, c.decodeErr(op, resp, fmt.Errorf("status %d is not one of %v", resp.StatusCode, codes))
}

// checkPathParam refuses values that would change which endpoint is hit:
// url.PathEscape leaves "." and ".." as they are, and an empty segment
// collapses the path.
func checkPathParam(op, name, value string) error {
	switch value {
	case "":
		return &ParamError{Operation: op, Param: name, Reason: "must not be empty"}
	case ".", "..":
		return &ParamError{Operation: op, Param: name, Reason: fmt.Sprintf("%q would change the endpoint", value)}
	}
	return nil
}
