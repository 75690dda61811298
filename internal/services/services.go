// Package services is the table of the module's four services, as data:
// each one's name, document, embedded spec, API base path, how to start
// its fake and which client options reach that fake. `userapis serve`, the
// demo and the cross-service tests iterate it, so adding a service means
// adding a row here, not editing each of them.
package services

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor/harborserver"
	"github.com/userapis/userapis-go/gen/homebox/homeboxserver"
	"github.com/userapis/userapis-go/gen/kipu/kipuserver"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/contract"
)

// Service is one row of the table.
type Service struct {
	// Name is the service's short name: its document is api/<Name>.yaml.
	Name string
	// Title is how the demo and serve name it.
	Title string
	// Spec returns the document embedded in gen/<Name>.
	Spec func() (*openapi3.T, error)
	// BasePath is the API's path on a server (the documents' servers).
	BasePath string
	// Listen starts the service's fake on addr (127.0.0.1:0 for a random
	// port).
	Listen func(addr string, opts ...fake.Option) (*Fake, error)
}

// Fake is a started fake, as the table's users need it.
type Fake struct {
	*fake.Server
	// Credentials are "what: value" lines to print for other programs.
	Credentials []string
	// Secrets are the same credentials by name, for `serve -json`.
	Secrets map[string]string
	// ClientOptions reach this fake with its seeded credentials: the base
	// URL and the service's auth option.
	ClientOptions []client.ClientOption
	// Value is the service package's own server (*harborfake.Server, ...).
	Value any
}

// ServerPath is the path of the document's first server (/user-service,
// /api/v2.0, /api, or "" for Vectara, whose paths start with /v2): the
// base the document's paths are relative to.
func (s Service) ServerPath() (string, error) {
	doc, err := s.Spec()
	if err != nil {
		return "", err
	}
	if len(doc.Servers) == 0 {
		return "", nil
	}
	return contract.ServerPath(doc.Servers[0]), nil
}

// Document is the path of the service's document from the module root.
func (s Service) Document() string { return "api/" + s.Name + ".yaml" }

// Operations lists the service's operationIds (lower camel), from its
// embedded document: counts come from the documents, never from literals.
func (s Service) Operations() ([]string, error) {
	doc, err := s.Spec()
	if err != nil {
		return nil, err
	}
	return contract.OperationIDs(doc), nil
}

// All is the table, in the order the demo and serve use.
var All = []Service{
	{
		Name: "kipu", Title: "Kipu Quantum Hub user-service", Spec: kipuserver.GetSpec, BasePath: kipufake.BasePath,
		Listen: func(addr string, opts ...fake.Option) (*Fake, error) {
			s, err := kipufake.Listen(addr, opts...)
			if err != nil {
				return nil, err
			}
			return &Fake{Server: s.Server, Value: s,
				Credentials:   []string{"X-Auth-Token: " + s.Token, "Authorization: Bearer " + s.AccessToken},
				Secrets:       map[string]string{"personal_access_token": s.Token, "access_token": s.AccessToken},
				ClientOptions: []client.ClientOption{client.WithBaseURL(s.URL), client.WithPersonalAccessToken(s.Token)},
			}, nil
		},
	},
	{
		Name: "harbor", Title: "Harbor v2.0", Spec: harborserver.GetSpec, BasePath: "/api/v2.0",
		Listen: func(addr string, opts ...fake.Option) (*Fake, error) {
			s, err := harborfake.Listen(addr, opts...)
			if err != nil {
				return nil, err
			}
			return &Fake{Server: s.Server, Value: s,
				Credentials: []string{fmt.Sprintf("admin: %s / %s   user: %s / %s", s.AdminUser, s.AdminPassword, s.User, s.UserPassword)},
				Secrets: map[string]string{"admin_username": s.AdminUser, "admin_password": s.AdminPassword,
					"username": s.User, "password": s.UserPassword},
				ClientOptions: []client.ClientOption{client.WithBaseURL(s.URL), client.WithBasicAuth(s.AdminUser, s.AdminPassword)},
			}, nil
		},
	},
	{
		Name: "homebox", Title: "Homebox", Spec: homeboxserver.GetSpec, BasePath: "/api",
		Listen: func(addr string, opts ...fake.Option) (*Fake, error) {
			s, err := homeboxfake.Listen(addr, opts...)
			if err != nil {
				return nil, err
			}
			return &Fake{Server: s.Server, Value: s,
				Credentials: []string{fmt.Sprintf("login: %s / %s", s.Email, s.Password)},
				Secrets:     map[string]string{"email": s.Email, "password": s.Password},
				// Homebox has no seeded token: log in (UserLogin) with the
				// seed account first.
				ClientOptions: []client.ClientOption{client.WithBaseURL(s.URL)},
			}, nil
		},
	},
	{
		Name: "vectara", Title: "Vectara v2", Spec: vectaraserver.GetSpec, BasePath: "/v2",
		Listen: func(addr string, opts ...fake.Option) (*Fake, error) {
			s, err := vectarafake.Listen(addr, opts...)
			if err != nil {
				return nil, err
			}
			return &Fake{Server: s.Server, Value: s,
				Credentials: []string{
					"x-api-key: " + s.APIKey,
					fmt.Sprintf("oauth2: client_id=%s client_secret=%s token_url=%s", s.ClientID, s.ClientSecret, s.TokenURL),
				},
				Secrets: map[string]string{"api_key": s.APIKey, "client_id": s.ClientID,
					"client_secret": s.ClientSecret, "token_url": s.TokenURL},
				ClientOptions: []client.ClientOption{client.WithBaseURL(s.URL), client.WithAPIKey(s.APIKey)},
			}, nil
		},
	},
}

// Names lists the services' names in table order.
func Names() []string {
	out := make([]string, len(All))
	for i, s := range All {
		out[i] = s.Name
	}
	return out
}

// Lookup finds a service by name.
func Lookup(name string) (Service, bool) {
	for _, s := range All {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}
