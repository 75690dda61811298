// Package spec_test checks the OpenAPI documents in api/ and the code
// generated from them: each document is valid, every example matches its
// schema, every operation the issue names is present, the generated client
// builds requests the document accepts, and gen/ is not stale.
package spec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	servicetable "github.com/userapis/userapis-go/internal/services"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/harbor/harborserver"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/homebox/homeboxserver"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/kipu/kipuserver"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/contract"
)

// service ties a document to its generated package.
type service struct {
	name       string
	operations []string // the operationIds the document must have
	swagger    func() (*openapi3.T, error)
	// client returns the generated *Client (as any) sending through doer.
	client func(server string, doer func(*http.Request) (*http.Response, error)) (any, error)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

var services = []service{
	{
		name: "kipu",
		operations: []string{"getCurrentUser", "updateCurrentUser", "deleteCurrentUser",
			"updateCurrentUserProfileImage", "deleteCurrentUserProfileImage", "getPersonalAccessTokens",
			"createPersonalAccessToken", "deletePersonalAccessToken", "regenerateDefaultPersonalAccessToken",
			"authorizeByPersonalAccessToken", "getUserById", "checkUserExists", "getUserProfileImage",
			"getUserRegistrationStatus", "searchUsers"},
		swagger: kipuserver.GetSpec,
		client: func(s string, d func(*http.Request) (*http.Response, error)) (any, error) {
			return kipu.NewClient(s, kipu.WithHTTPClient(doerFunc(d)))
		},
	},
	{
		name: "harbor",
		operations: []string{"listUsers", "createUser", "getCurrentUserInfo", "searchUsers", "getUser",
			"updateUserProfile", "deleteUser", "setUserSysAdmin", "updateUserPassword",
			"getCurrentUserPermissions", "setCliSecret"},
		swagger: harborserver.GetSpec,
		client: func(s string, d func(*http.Request) (*http.Response, error)) (any, error) {
			return harbor.NewClient(s, harbor.WithHTTPClient(doerFunc(d)))
		},
	},
	{
		name: "homebox",
		operations: []string{"userLogin", "userLogout", "userLogoutAll", "userTokenRefresh", "oidcLogin", "oidcCallback",
			"registerNewUser", "getUserSelf", "updateAccount", "deleteAccount", "getUserSettings",
			"updateUserSettings", "changePassword", "forgotPassword", "resetPassword", "listApiKeys",
			"createApiKey", "deleteApiKey"},
		swagger: homeboxserver.GetSpec,
		client: func(s string, d func(*http.Request) (*http.Response, error)) (any, error) {
			return homebox.NewClient(s, homebox.WithHTTPClient(doerFunc(d)))
		},
	},
	{
		name:       "vectara",
		operations: []string{"listUsers", "createUser", "getUser", "updateUser", "deleteUser", "resetUserPassword"},
		swagger:    vectaraserver.GetSpec,
		client: func(s string, d func(*http.Request) (*http.Response, error)) (any, error) {
			return vectara.NewClient(s, vectara.WithHTTPClient(doerFunc(d)))
		},
	},
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

func loadFile(t *testing.T, name string) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(repoRoot(t), "api", name+".yaml"))
	require.NoError(t, err, "load api/%s.yaml", name)
	return doc
}

// TestServiceInventory: this file's inventory covers exactly the services
// of the table (internal/services), and each service's operations listed
// here are the ones its embedded document holds: a service or operation
// added anywhere shows up here, counted from the documents.
func TestServiceInventory(t *testing.T) {
	var listed []string
	for _, s := range services {
		listed = append(listed, s.name)
	}
	assert.ElementsMatch(t, servicetable.Names(), listed, "services of the table")
	for _, svc := range servicetable.All {
		ops, err := svc.Operations()
		require.NoError(t, err)
		for _, s := range services {
			if s.name == svc.Name {
				assert.ElementsMatch(t, s.operations, ops, "operations of %s", svc.Document())
			}
		}
	}
}

func TestDocuments(t *testing.T) {
	for _, s := range services {
		t.Run(s.name, func(t *testing.T) {
			doc := loadFile(t, s.name)
			assert.Equal(t, "3.0.3", doc.OpenAPI)
			require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()),
				"api/%s.yaml must validate, examples included", s.name)

			got := contract.OperationIDs(doc)
			want := slices.Clone(s.operations)
			slices.Sort(want)
			assert.Equal(t, want, got, "operationIds of api/%s.yaml", s.name)

			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					where := fmt.Sprintf("%s %s (%s)", method, path, op.OperationID)
					assert.NotEmpty(t, op.Summary, "%s: summary", where)
					assert.NotEmpty(t, op.Description, "%s: description", where)
					if op.RequestBody != nil {
						for ct, mt := range op.RequestBody.Value.Content {
							if isJSON(ct) {
								assert.True(t, hasExample(mt), "%s: request %s needs an example", where, ct)
							}
						}
					}
					for code, resp := range op.Responses.Map() {
						for ct, mt := range resp.Value.Content {
							if isJSON(ct) {
								assert.True(t, hasExample(mt), "%s: response %s %s needs an example", where, code, ct)
							}
						}
					}
				}
			}
		})
	}
}

// TestEmbeddedSpecMatchesFile guards against an embedded document that
// differs from api/ (generated from an older revision).
func TestEmbeddedSpecMatchesFile(t *testing.T) {
	for _, s := range services {
		t.Run(s.name, func(t *testing.T) {
			embedded, err := s.swagger()
			require.NoError(t, err)
			// Embedded as written (preserve-original-operation-id-casing-in-embedded-spec):
			// the operationIds are the document's, not the Go names.
			file := loadFile(t, s.name)
			a, err := json.Marshal(embedded)
			require.NoError(t, err)
			b, err := json.Marshal(file)
			require.NoError(t, err)
			assert.JSONEq(t, string(b), string(a), "gen/%s embeds a different document than api/%s.yaml: run go generate ./...", s.name, s.name)
		})
	}
}

func isJSON(ct string) bool { return strings.Contains(ct, "json") }

func hasExample(mt *openapi3.MediaType) bool {
	if mt.Example != nil || len(mt.Examples) > 0 {
		return true
	}
	return mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil
}

// TestGeneratedClientRequests calls every operation of every generated
// client with sample arguments taken from the document (parameter and body
// examples) and checks that the request it builds is one the document
// accepts, for the same operation.
func TestGeneratedClientRequests(t *testing.T) {
	const base = "http://127.0.0.1:9"
	for _, s := range services {
		t.Run(s.name, func(t *testing.T) {
			doc := loadFile(t, s.name)
			path := ""
			if len(doc.Servers) > 0 {
				path = serverPathOf(doc.Servers[0])
			}
			v, err := contract.New(doc, base)
			require.NoError(t, err)

			var captured *http.Request
			c, err := s.client(base+path, func(r *http.Request) (*http.Response, error) {
				addCredentials(doc, r)
				captured = r
				return &http.Response{StatusCode: 204, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
			})
			require.NoError(t, err)

			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					t.Run(op.OperationID, func(t *testing.T) {
						captured = nil
						callOperation(t, c, path, method, op, item.Parameters)
						require.NotNil(t, captured, "client sent nothing")
						ex, err := v.ValidateRequest(captured)
						require.NoError(t, err)
						assert.Equal(t, op.OperationID, ex.OperationID, "request routed to another operation")
					})
				}
			}
		})
	}
}

// addCredentials sets a sample credential for each security scheme of doc
// (as the facade would), without overriding a header the operation sets.
func addCredentials(doc *openapi3.T, r *http.Request) {
	names := make([]string, 0, len(doc.Components.SecuritySchemes))
	for name := range doc.Components.SecuritySchemes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := doc.Components.SecuritySchemes[name].Value
		switch {
		case s.Type == "apiKey" && s.In == "header" && r.Header.Get(s.Name) == "":
			r.Header.Set(s.Name, "sample-credential")
		case s.Type == "http" && s.Scheme == "basic" && r.Header.Get("Authorization") == "":
			r.SetBasicAuth("admin", "Harbor12345")
		case (s.Type == "http" && s.Scheme == "bearer") || s.Type == "oauth2":
			if r.Header.Get("Authorization") == "" {
				r.Header.Set("Authorization", "Bearer sample-credential")
			}
		}
	}
}

func serverPathOf(s *openapi3.Server) string {
	raw := s.URL
	for name, v := range s.Variables {
		raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
		if j := strings.Index(raw, "/"); j >= 0 {
			raw = raw[j:]
		} else {
			raw = ""
		}
	}
	return strings.TrimSuffix(raw, "/")
}

var (
	ctxType      = reflect.TypeFor[context.Context]()
	readerType   = reflect.TypeFor[io.Reader]()
	errorType    = reflect.TypeFor[error]()
	pathParamRE  = regexp.MustCompile(`\{([^}]+)\}`)
	samplePNG    = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	methodSuffix = []string{"", "WithBody", "WithFormdataBody"}
)

func callOperation(t *testing.T, c any, path, method string, op *openapi3.Operation, shared openapi3.Parameters) {
	t.Helper()
	cv := reflect.ValueOf(c)
	// Generated names use initialisms (getUserById → GetUserByID).
	name := op.OperationID
	for i := range cv.NumMethod() {
		n := cv.Type().Method(i).Name
		for _, suffix := range methodSuffix {
			if base, ok := strings.CutSuffix(n, suffix); ok && strings.EqualFold(base, op.OperationID) {
				name = base
			}
		}
	}
	var m reflect.Value
	var mname string
	for _, suffix := range methodSuffix {
		if mm := cv.MethodByName(name + suffix); mm.IsValid() {
			// Prefer the typed-body method; multipart has only WithBody.
			if suffix == "WithBody" && op.RequestBody != nil && hasTypedBody(op) && cv.MethodByName(name).IsValid() {
				continue
			}
			m, mname = mm, name+suffix
			break
		}
	}
	require.True(t, m.IsValid(), "generated client has no method for %s", op.OperationID)

	// Operation parameters override path-item ones of the same name.
	params := map[string]*openapi3.Parameter{}
	var all []*openapi3.Parameter
	for _, list := range []openapi3.Parameters{shared, op.Parameters} {
		for _, p := range list {
			key := p.Value.In + ":" + p.Value.Name
			if _, seen := params[key]; !seen {
				all = append(all, p.Value)
			} else {
				for i := range all {
					if all[i].In+":"+all[i].Name == key {
						all[i] = p.Value
					}
				}
			}
			params[key] = p.Value
		}
	}
	var pathNames []string
	for _, mm := range pathParamRE.FindAllStringSubmatch(path, -1) {
		pathNames = append(pathNames, mm[1])
	}

	mt := m.Type()
	args := []reflect.Value{}
	pathIdx := 0
	var contentType string
	var bodyBytes []byte
	for i := 0; i < mt.NumIn(); i++ {
		in := mt.In(i)
		switch {
		case mt.IsVariadic() && i == mt.NumIn()-1:
			// request editors: none
		case in.Implements(ctxType) && i == 0:
			args = append(args, reflect.ValueOf(context.Background()))
		case pathIdx < len(pathNames):
			p := params["path:"+pathNames[pathIdx]]
			require.NotNil(t, p, "path parameter %s is not declared", pathNames[pathIdx])
			args = append(args, fromJSON(t, in, sample(p.Schema.Value, p.Example)))
			pathIdx++
		case in.Kind() == reflect.Pointer && strings.HasSuffix(in.Elem().Name(), "Params"):
			vals := map[string]any{}
			for _, p := range all {
				if p.In == "path" {
					continue
				}
				vals[p.Name] = sample(p.Schema.Value, p.Example)
			}
			args = append(args, fromJSON(t, in, vals))
		case in.Kind() == reflect.String && strings.HasSuffix(mname, "WithBody"):
			ct, body := sampleBody(t, op)
			contentType, bodyBytes = ct, body
			args = append(args, reflect.ValueOf(contentType))
		case in == readerType:
			args = append(args, reflect.ValueOf(io.Reader(bytes.NewReader(bodyBytes))))
		default:
			// typed body: the JSON (or form) example
			require.NotNil(t, op.RequestBody, "%s takes a body the document does not declare", mname)
			var ex any
			for _, mt := range op.RequestBody.Value.Content {
				ex = exampleOf(mt)
			}
			args = append(args, fromJSON(t, in, ex))
		}
	}
	outs := m.Call(args)
	if err := outs[len(outs)-1]; !err.IsNil() {
		require.True(t, err.Type().Implements(errorType))
		t.Fatalf("%s: %v", mname, err.Interface())
	}
	if resp, ok := outs[0].Interface().(*http.Response); ok && resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
}

func hasTypedBody(op *openapi3.Operation) bool {
	for ct := range op.RequestBody.Value.Content {
		if isJSON(ct) || ct == "application/x-www-form-urlencoded" {
			return true
		}
	}
	return false
}

func exampleOf(mt *openapi3.MediaType) any {
	if mt.Example != nil {
		return mt.Example
	}
	for _, e := range mt.Examples {
		if e.Value != nil {
			return e.Value.Value
		}
	}
	if mt.Schema != nil && mt.Schema.Value != nil {
		return sample(mt.Schema.Value, nil)
	}
	return nil
}

// sampleBody builds a body for a WithBody call: multipart with a small PNG
// for binary fields, or the example of the first other media type.
func sampleBody(t *testing.T, op *openapi3.Operation) (string, []byte) {
	t.Helper()
	require.NotNil(t, op.RequestBody)
	for ct, mt := range op.RequestBody.Value.Content {
		if ct != "multipart/form-data" {
			continue
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for name, prop := range mt.Schema.Value.Properties {
			if prop.Value.Format == "binary" {
				fw, err := w.CreateFormFile(name, "avatar.png")
				require.NoError(t, err)
				_, _ = fw.Write(samplePNG)
				continue
			}
			require.NoError(t, w.WriteField(name, fmt.Sprint(sample(prop.Value, nil))))
		}
		require.NoError(t, w.Close())
		return w.FormDataContentType(), buf.Bytes()
	}
	for ct, mt := range op.RequestBody.Value.Content {
		b, err := json.Marshal(exampleOf(mt))
		require.NoError(t, err)
		return ct, b
	}
	t.Fatalf("no request body media type")
	return "", nil
}

func fromJSON(t *testing.T, typ reflect.Type, v any) reflect.Value {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	target := typ
	if typ.Kind() == reflect.Pointer {
		target = typ.Elem()
	}
	ptr := reflect.New(target)
	require.NoError(t, json.Unmarshal(b, ptr.Interface()), "sample %s into %s", b, typ)
	if typ.Kind() == reflect.Pointer {
		return ptr
	}
	return ptr.Elem()
}

// sample returns a value that satisfies schema s: its example, enum, default,
// or one made from its type and format.
func sample(s *openapi3.Schema, example any) any {
	if example != nil {
		return example
	}
	if s == nil {
		return "x"
	}
	if s.Example != nil {
		return s.Example
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Default != nil {
		return s.Default
	}
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil && *s.Min > 1 {
			return *s.Min
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		return []any{sample(s.Items.Value, nil)}
	case s.Type.Is("object"):
		m := map[string]any{}
		for _, name := range s.Required {
			m[name] = sample(s.Properties[name].Value, nil)
		}
		return m
	}
	switch s.Format {
	case "email":
		return "ada@example.com"
	case "uuid":
		return "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	case "date-time":
		return "2026-01-02T03:04:05Z"
	case "date":
		return "2026-01-02"
	case "uri", "url":
		return "https://example.com/x"
	}
	v := "sample"
	for uint64(len(v)) < s.MinLength {
		v += "x"
	}
	return v
}

// TestGeneratedCodeIsFresh regenerates every package into a temporary file
// with the exact go:generate line of its generate.go and compares it with the
// committed code: stale or non-deterministic generation fails here.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("regeneration compiles oapi-codegen; run without -short")
	}
	root := repoRoot(t)
	for _, s := range services {
		t.Run(s.name, func(t *testing.T) {
			dir := filepath.Join(root, "gen", s.name)
			src, err := os.ReadFile(filepath.Join(dir, "generate.go"))
			require.NoError(t, err)
			m := regexp.MustCompile(`(?m)^//go:generate (.+)$`).FindSubmatch(src)
			require.NotNil(t, m, "gen/%s/generate.go has no go:generate line", s.name)
			fields := strings.Fields(string(m[1]))
			out := filepath.Join(t.TempDir(), s.name+".gen.go")
			committed := ""
			for i := range fields {
				if fields[i] == "-o" && i+1 < len(fields) {
					committed = filepath.Join(dir, fields[i+1])
					fields[i+1] = out
				}
			}
			require.NotEmpty(t, committed, "go:generate line has no -o")
			cmd := exec.Command(fields[0], fields[1:]...)
			cmd.Dir = dir
			msg, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", msg)
			want, err := os.ReadFile(committed)
			require.NoError(t, err)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			if !bytes.Equal(want, got) {
				t.Fatalf("gen/%s is stale: run `go generate ./...` and commit the result", s.name)
			}
		})
	}
}
