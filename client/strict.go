// Strict decoding of 2xx answers: the body must be JSON of the kind the
// result is (an object for a struct, an array for a list: never null), and
// the fields the facade identifies things by must be present.

package client

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/google/uuid"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
)

// errWrongKind is a body of another JSON kind than the result (null for an
// object, an object for a list, ...).
var errWrongKind = errors.New("wrong JSON kind")

// checkKind refuses a body whose first token is not the JSON kind of T:
// json.Unmarshal would leave an all-zero result for null, and no error.
func checkKind[T any](b []byte) error {
	want := byte(0)
	switch reflect.TypeFor[T]().Kind() {
	case reflect.Struct, reflect.Map:
		want = '{'
	case reflect.Slice, reflect.Array:
		want = '['
	default:
		return nil
	}
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case want:
			return nil
		}
		return fmt.Errorf("%w: the body starts with %q, want %q (%s)", errWrongKind, c, want, reflect.TypeFor[T]())
	}
	return fmt.Errorf("%w: empty body, want %q (%s)", errWrongKind, want, reflect.TypeFor[T]())
}

// checkIdentity refuses a result without the fields the facade and its
// callers identify it by, which the documents mark required: a missing one
// would decode as a zero that looks real (user 0, the nil UUID). Other
// required fields missing decode as their zero value, as encoding/json
// does; the fakes and the contract tests hold servers to the documents.
func checkIdentity(v any) error {
	missing := func(what string) error { return fmt.Errorf("required field %s missing or zero", what) }
	switch r := v.(type) {
	case *harbor.UserResp:
		if r.UserID == 0 || r.Username == "" {
			return missing("user_id/username")
		}
	case *[]harbor.UserResp:
		for i := range *r {
			if err := checkIdentity(&(*r)[i]); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
	case *[]harbor.UserSearchRespItem:
		for i, u := range *r {
			if u.UserID == 0 || u.Username == "" {
				return fmt.Errorf("item %d: %w", i, missing("user_id/username"))
			}
		}
	case *kipu.UserDto:
		if r.ID == "" {
			return missing("id")
		}
	case *kipu.UserOverviewDto:
		if r.ID == "" {
			return missing("id")
		}
	case *[]kipu.UserSearchDto:
		for i, u := range *r {
			if u.ID == "" {
				return fmt.Errorf("item %d: %w", i, missing("id"))
			}
		}
	case *kipu.AccessTokenDto:
		if r.ID == "" {
			return missing("id")
		}
	case *kipu.PersonalAccessTokenPrincipal:
		if r.ID == "" {
			return missing("id")
		}
	case *homebox.WrappedUserOut:
		if r.Item.ID == uuid.Nil || r.Item.Email == "" {
			return missing("item.id/item.email")
		}
	case *homebox.TokenResponse:
		if r.Token == "" {
			return missing("token")
		}
	case *homebox.APIKeyCreatedOut:
		if r.ID == uuid.Nil || r.Token == "" {
			return missing("id/token")
		}
	case *[]homebox.APIKeyOut:
		for i, k := range *r {
			if k.ID == uuid.Nil {
				return fmt.Errorf("item %d: %w", i, missing("id"))
			}
		}
	}
	return nil
}

// normalize turns the forms a server may send for one thing into the one a
// caller sees: a null policy in Vectara's allowed_operations (upstream's
// description allows it, its schema does not) becomes
// {"allow_any_resource": true}, what it means.
func normalize(v any) {
	switch r := v.(type) {
	case *vectara.User:
		anyResource(r.APIPolicy)
	case *vectara.ListUsersPage:
		if r.Users != nil {
			for i := range *r.Users {
				anyResource((*r.Users)[i].APIPolicy)
			}
		}
	case *vectara.CreateUsersResponse:
		anyResource(r.APIPolicy)
	}
}

func anyResource(p *vectara.APIPolicy) {
	if p == nil {
		return
	}
	for op, pol := range p.AllowedOperations {
		if pol == nil {
			p.AllowedOperations[op] = &vectara.APIOperationPolicy{AllowAnyResource: true}
		}
	}
}
