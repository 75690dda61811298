// Printing without credentials: every client, option, response and error
// type of the package formats itself under every fmt verb (%v %+v %#v %s
// %q) and as a slog value without a credential, a credential-bearing
// header value or a raw body.

package client

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// sensitiveHeaders are headers whose values are credentials or session
// state, printed as REDACTED (the Header maps themselves keep them, for
// code that needs them).
var sensitiveHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
	"Www-Authenticate", "Proxy-Authenticate", "X-Auth-Token", "X-Api-Key",
}

// printHeader copies h as it is printed: the values of sensitiveHeaders
// replaced, and, when echo is not nil, the credentials a server echoed
// taken out of every other name and value (see echoRedactor).
func printHeader(h http.Header, echo func(string) string) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if slices.Contains(sensitiveHeaders, http.CanonicalHeaderKey(k)) {
			out[k] = []string{redacted}
			continue
		}
		if echo == nil {
			out[k] = vs
			continue
		}
		shown := make([]string, len(vs))
		for i, v := range vs {
			shown[i] = echo(v)
		}
		out[echo(k)] = shown
	}
	return out
}

// formatString writes s for verb: %q quotes it, every other verb prints it.
func formatString(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s)
		return
	}
	_, _ = f.Write([]byte(s))
}

func (c *core) describe(kind string) string {
	if c == nil {
		return "client." + kind + "(nil)"
	}
	return fmt.Sprintf("client.%s{server: %s}", kind, redactURLString(c.server))
}

// Format prints the client's service and server, never its credentials.
func (k *Kipu) Format(f fmt.State, verb rune) { formatString(f, verb, k.core().describe("Kipu")) }

// Format prints the client's service and server, never its credentials.
func (h *Harbor) Format(f fmt.State, verb rune) { formatString(f, verb, h.core().describe("Harbor")) }

// Format prints the client's service and server, never its credentials or
// its session token.
func (h *Homebox) Format(f fmt.State, verb rune) { formatString(f, verb, h.core().describe("Homebox")) }

// Format prints the client's service and server, never its credentials.
func (v *Vectara) Format(f fmt.State, verb rune) { formatString(f, verb, v.core().describe("Vectara")) }

// LogValue logs the client as its service and server.
func (k *Kipu) LogValue() slog.Value { return slog.StringValue(k.core().describe("Kipu")) }

// LogValue logs the client as its service and server.
func (h *Harbor) LogValue() slog.Value { return slog.StringValue(h.core().describe("Harbor")) }

// LogValue logs the client as its service and server.
func (h *Homebox) LogValue() slog.Value { return slog.StringValue(h.core().describe("Homebox")) }

// LogValue logs the client as its service and server.
func (v *Vectara) LogValue() slog.Value { return slog.StringValue(v.core().describe("Vectara")) }

func (k *Kipu) core() *core {
	if k == nil {
		return nil
	}
	return k.c
}

func (h *Harbor) core() *core {
	if h == nil {
		return nil
	}
	return h.c
}

func (h *Homebox) core() *core {
	if h == nil {
		return nil
	}
	return h.c
}

func (v *Vectara) core() *core {
	if v == nil {
		return nil
	}
	return v.c
}

// Format keeps the configuration's credentials out of any print of it
// (it is reachable by reflection, and through a core).
func (c config) Format(f fmt.State, verb rune) {
	formatString(f, verb, fmt.Sprintf("client.config{baseURL: %s, timeout: %s, maxRetries: %d}", redactURLString(c.baseURL), c.timeout, c.maxRetries))
}

// Format prints the option's name, never its value: a credential option
// prints as client.WithAPIKey(REDACTED).
func (o option) Format(f fmt.State, verb rune) {
	arg := ""
	if o.cred {
		arg = redacted
	}
	formatString(f, verb, "client."+o.name+"("+arg+")")
}

// Format: see option.Format.
func (o clientOnly) Format(f fmt.State, verb rune) { o.option.Format(f, verb) }

// Format: see option.Format.
func (o callOnly) Format(f fmt.State, verb rune) { o.option.Format(f, verb) }

// Format: see option.Format.
func (o anywhere) Format(f fmt.State, verb rune) { o.option.Format(f, verb) }

// Format prints e.Error() for %v, %s and %q; %+v and %#v add the details
// (status, redacted headers, body size), never a credential-bearing header
// value or the raw body.
func (e *APIError) Format(f fmt.State, verb rune) {
	if e == nil {
		formatString(f, verb, "<nil>")
		return
	}
	if (verb == 'v' && (f.Flag('+') || f.Flag('#'))) || verb == 'd' {
		header := printHeader(e.Header, headerEcho(e.Header, e.sent))
		fmt.Fprintf(f, "client.APIError{Service: %q, Operation: %q, Method: %q, URL: %q, StatusCode: %d, RequestID: %q, Message: %q, Code: %q, Fields: %v, Header: %v, Body: %d bytes, RetryAfter: %s, Attempts: %d, Hint: %q}",
			e.Service, e.Operation, e.Method, e.URL, e.StatusCode, e.RequestID, e.Message, e.Code, e.Fields, header, len(e.Body), e.RetryAfter, e.Attempts, e.Hint)
		return
	}
	formatString(f, verb, e.Error())
}

// LogValue logs the error's message, status and request id.
func (e *APIError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("error", e.Error()), slog.Int("status", e.StatusCode), slog.String("request_id", e.RequestID))
}

// Format prints e.Error() (body size, never the body) under every verb.
func (e *DecodeError) Format(f fmt.State, verb rune) { formatString(f, verb, e.Error()) }

// Format prints e.Error() under every verb.
func (e *TransportError) Format(f fmt.State, verb rune) { formatString(f, verb, e.Error()) }

// Format prints e.Error() under every verb; %+v and %#v add the answer's
// details (see APIError.Format).
func (e *RetryAfterError) Format(f fmt.State, verb rune) {
	if verb == 'v' && (f.Flag('+') || f.Flag('#')) && e.Err != nil {
		fmt.Fprintf(f, "client.RetryAfterError{Wait: %s, Cap: %s, Err: %+v}", e.Wait, e.Cap, e.Err)
		return
	}
	formatString(f, verb, e.Error())
}

// Format prints the answer's status, request id, attempts, paging and
// redacted headers, with the body's size rather than the body (a login's
// answer holds a token). A credential the request carried, echoed by the
// server in any header, is printed as REDACTED.
func (r *Response) Format(f fmt.State, verb rune) {
	if r == nil || r.Response == nil {
		formatString(f, verb, "client.Response(nil)")
		return
	}
	echo := r.echoRedactor()
	shown := func(s string) string {
		if echo == nil {
			return s
		}
		return echo(s)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "client.Response{Status: %q, RequestID: %q, Attempts: %d, Body: %d bytes", shown(r.Status), shown(r.RequestID), r.Attempts, len(r.RawBody))
	if r.TotalCount >= 0 {
		fmt.Fprintf(&b, ", TotalCount: %d", r.TotalCount)
	}
	if verb == 'v' && (f.Flag('+') || f.Flag('#')) {
		links := r.Links
		if echo != nil && len(links) > 0 {
			links = make(map[string]string, len(r.Links))
			for k, v := range r.Links {
				links[echo(k)] = echo(v)
			}
		}
		fmt.Fprintf(&b, ", Header: %v, Links: %v", printHeader(r.Header, echo), links)
	}
	b.WriteString("}")
	formatString(f, verb, b.String())
}

// echoRedactor is the redaction of the credentials the request carried,
// nil when no header of the answer (its status line included) may echo one.
func (r *Response) echoRedactor() func(string) string {
	if mayEcho(r.Status, r.Request) {
		return echoRedactor(r.Request)
	}
	return headerEcho(r.Header, r.Request)
}

// LogValue logs the answer's status, request id and attempts.
func (r *Response) LogValue() slog.Value {
	if r == nil || r.Response == nil {
		return slog.StringValue("<nil>")
	}
	id := r.RequestID
	if echo := r.echoRedactor(); echo != nil {
		id = echo(id)
	}
	return slog.GroupValue(slog.Int("status", r.StatusCode), slog.String("request_id", id), slog.Int("attempts", r.Attempts), slog.Int("body_bytes", len(r.RawBody)))
}
