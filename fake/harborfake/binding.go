// The binding errors of Harbor's go-swagger server (422, 415, 404, 405):
// what the real server answers for a request it refuses before any
// handler runs, built from kin-openapi's first error line.

package harborfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// badRequest answers a request the validator refused, in the shape
// Harbor's go-swagger binding gives before any handler runs: 422
// UNPROCESSABLE_ENTITY with "validation failure list:\n<problem>" for a bad
// parameter or body, 415 for a body that is not JSON, 404 and 405 for no
// route.
func badRequest(w http.ResponseWriter, r *http.Request, e fakekit.RequestError) {
	switch e.Status {
	case http.StatusNotFound:
		writeError(w, e.Status, fmt.Sprintf("path %s was not found", r.URL.Path))
		return
	case http.StatusMethodNotAllowed:
		writeError(w, e.Status, fmt.Sprintf("method %s is not allowed", r.Method))
		return
	}
	status, msg := bindingError(r, e.Message)
	writeError(w, status, msg)
}

var (
	paramErrRe  = regexp.MustCompile(`^parameter "([^"]+)" in (\w+) has an error: (.*)$`)
	schemaErrRe = regexp.MustCompile(`Error at "/([^"]*)": (.*)$`)
)

// bindingError turns kin-openapi's first error line into go-swagger's
// message for the same problem.
func bindingError(r *http.Request, msg string) (int, string) {
	const prefix = "validation failure list:\n"
	if m := paramErrRe.FindStringSubmatch(msg); m != nil {
		name, in, why := m[1], m[2], m[3]
		raw := ""
		if r != nil {
			switch in {
			case "query":
				raw = r.URL.Query().Get(name)
			case "header":
				raw = r.Header.Get(name)
			case "path":
				// the only path parameter is user_id: /users/{user_id}[/...]
				if i := strings.Index(r.URL.Path, "/users/"); i >= 0 {
					raw, _, _ = strings.Cut(r.URL.Path[i+len("/users/"):], "/")
				}
			}
		}
		var detail string
		switch {
		case strings.Contains(why, "required but missing"):
			detail = fmt.Sprintf("%s in %s is required", name, in)
		case strings.Contains(why, "invalid integer"):
			detail = fmt.Sprintf("%s in %s must be of type int64: %q", name, in, raw)
		case strings.Contains(why, "invalid boolean"):
			detail = fmt.Sprintf("%s in %s must be of type bool: %q", name, in, raw)
		case strings.HasPrefix(why, "number must be at most "):
			detail = fmt.Sprintf("%s in %s should be less than or equal to %s", name, in, strings.TrimPrefix(why, "number must be at most "))
		case strings.HasPrefix(why, "number must be at least "):
			detail = fmt.Sprintf("%s in %s should be greater than or equal to %s", name, in, strings.TrimPrefix(why, "number must be at least "))
		case strings.HasPrefix(why, "minimum string length is "):
			detail = fmt.Sprintf("%s in %s should be at least %s chars long", name, in, strings.TrimPrefix(why, "minimum string length is "))
		default:
			detail = fmt.Sprintf("%s in %s is invalid: %s", name, in, why)
		}
		return http.StatusUnprocessableEntity, prefix + detail
	}
	if rest, ok := strings.CutPrefix(msg, "request body has an error: "); ok {
		name, target := bodyParam(r)
		if ct, ok := strings.CutPrefix(rest, "header Content-Type has unexpected value "); ok {
			return http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported media type %s, only [application/json] are allowed", ct)
		}
		var body []byte
		if r != nil && r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return http.StatusUnprocessableEntity, prefix + name + " in body is required"
		}
		if target != nil {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(target); err != nil {
				return http.StatusUnprocessableEntity, fmt.Sprintf("%sparsing %s body from \"\" failed, because %v", prefix, name, err)
			}
		}
		if m := schemaErrRe.FindStringSubmatch(rest); m != nil {
			field := strings.ReplaceAll(m[1], "/", ".")
			if n, ok := strings.CutPrefix(m[2], "maximum string length is "); ok {
				return http.StatusUnprocessableEntity, fmt.Sprintf("%s%s in body should be at most %s chars long", prefix, field, n)
			}
			return http.StatusUnprocessableEntity, fmt.Sprintf("%s%s in body is invalid: %s", prefix, field, m[2])
		}
		return http.StatusUnprocessableEntity, prefix + name + " in body is invalid: " + rest
	}
	return http.StatusUnprocessableEntity, prefix + msg
}

// bodyParam names the body parameter of the operation r is for, as
// upstream's document does, with a value to decode it into.
func bodyParam(r *http.Request) (string, any) {
	if r == nil {
		return "body", nil
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost:
		return "userReq", new(harbor.UserCreationReq)
	case strings.HasSuffix(p, "/sysadmin"):
		return "sysadmin_flag", new(harbor.UserSysAdminFlag)
	case strings.HasSuffix(p, "/password"):
		return "password", new(harbor.PasswordReq)
	case strings.HasSuffix(p, "/cli_secret"):
		return "secret", new(harbor.OIDCCliSecretReq)
	}
	return "profile", new(harbor.UserProfile)
}
