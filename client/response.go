// The Response of a call: the HTTP answer with its body already read (the
// bytes in RawBody), the attempts it took, and Harbor's paging headers.

package client

import (
	"bytes"
	"net/http"
)

// Response is the HTTP answer to a call. Its Body has been read and closed;
// the bytes are in RawBody.
type Response struct {
	*http.Response
	RawBody   []byte
	RequestID string // X-Request-Id (Harbor) or the service's request id
	Attempts  int    // how many times the call was sent

	// TotalCount is Harbor's X-Total-Count on list and search answers, -1
	// when the answer has none.
	TotalCount int
	// Links is Harbor's Link header by relation ("next", "prev").
	Links map[string]string

	raw rawBody // the parser's reader over RawBody
}

// bodyReset gives the parser a fresh reader over the raw body, without
// allocating: the reader lives in the Response.
func (r *Response) bodyReset() *http.Response {
	r.raw.b = r.RawBody
	r.raw.Reset(r.RawBody)
	r.Body = &r.raw
	return r.Response
}

// rawBody is the Body a parser gets: a reader over Response.RawBody that
// jsonOK and jsonCreated see through, so that the bytes are decoded where
// they are instead of being read (copied) again.
type rawBody struct {
	bytes.Reader
	b []byte
}

func (*rawBody) Close() error { return nil }
