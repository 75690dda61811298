// Types a caller of the facade wants beside the generated models: Ptr for
// their optional fields, and Kipu's access tokens with their times parsed.

package client

import (
	"fmt"
	"net/http"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/kipu"
)

// Ptr returns a pointer to v, for the optional fields of the generated
// request types: harbor.UserProfile{Email: client.Ptr("a@example.com")}.
func Ptr[T any](v T) *T { return &v }

// KipuTimeLayout is how Kipu writes its timestamps (createdAt, usedAt):
// yyyy-MM-dd HH:mm:ss in UTC, not RFC 3339.
const KipuTimeLayout = "2006-01-02 15:04:05"

// KipuAccessToken is a Kipu personal access token with its times parsed.
type KipuAccessToken struct {
	ID   string
	Name string
	// CreatedAt is when the token was created (UTC); zero when the service
	// omits it.
	CreatedAt time.Time
	// UsedAt is when the token was last used (UTC); zero when never.
	UsedAt time.Time
	// ExpiresAt is the day the token expires, at 00:00 UTC (Kipu keeps a
	// date only); zero when it never expires.
	ExpiresAt time.Time
	// Value is the raw token: set only in the answer of
	// CreatePersonalAccessToken, the one time the service shows it.
	Value string
}

// KipuAccessTokens is the answer of GetPersonalAccessTokens.
type KipuAccessTokens struct {
	// Tokens are the user's named tokens; may be empty.
	Tokens []KipuAccessToken
	// DefaultToken is the raw value of the default token.
	DefaultToken string
}

// KipuPrincipal is who a personal access token belongs to
// (AuthorizeByPersonalAccessToken).
type KipuPrincipal struct {
	// UserID is the id of the token's user.
	UserID string
	// AccessToken is the token's metadata (never its Value); nil when the
	// service omits it.
	AccessToken *KipuAccessToken
}

// KipuTokenRequest describes a token to create.
type KipuTokenRequest struct {
	// Name is the token's name (not blank).
	Name string
	// ExpiresAt is the day the token expires: only its date (in UTC) is
	// sent. Zero means it never expires.
	ExpiresAt time.Time
}

func (r KipuTokenRequest) body() kipu.CreateAccessTokenRequest {
	b := kipu.CreateAccessTokenRequest{Name: r.Name}
	if !r.ExpiresAt.IsZero() {
		y, m, d := r.ExpiresAt.UTC().Date()
		b.ExpiresAt = &openapi_types.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	return b
}

func kipuToken(dto kipu.AccessTokenDto) (KipuAccessToken, error) {
	t := KipuAccessToken{ID: dto.ID, Name: dto.Name}
	var err error
	if t.CreatedAt, err = kipuTime("createdAt", dto.CreatedAt); err != nil {
		return t, err
	}
	if t.UsedAt, err = kipuTime("usedAt", dto.UsedAt); err != nil {
		return t, err
	}
	if dto.ExpiresAt != nil {
		t.ExpiresAt = dto.ExpiresAt.Time
	}
	if dto.Value != nil {
		t.Value = *dto.Value
	}
	return t, nil
}

func kipuTime(field string, s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(KipuTimeLayout, *s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not yyyy-MM-dd HH:mm:ss: %w", field, *s, err)
	}
	return t, nil
}

// kipuTokenAnswer parses createPersonalAccessToken's answer.
func kipuTokenAnswer(res *http.Response) (*KipuAccessToken, error) {
	dto, err := jsonOK[kipu.AccessTokenDto](res)
	if err != nil || dto == nil {
		return nil, err
	}
	t, err := kipuToken(*dto)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// kipuTokensAnswer parses getPersonalAccessTokens' answer.
func kipuTokensAnswer(res *http.Response) (*KipuAccessTokens, error) {
	dto, err := jsonOK[kipu.AccessTokensDto](res)
	if err != nil || dto == nil {
		return nil, err
	}
	out := &KipuAccessTokens{Tokens: []KipuAccessToken{}}
	if dto.DefaultToken != nil {
		out.DefaultToken = *dto.DefaultToken
	}
	if dto.AccessTokens != nil {
		for _, d := range *dto.AccessTokens {
			t, err := kipuToken(d)
			if err != nil {
				return nil, err
			}
			out.Tokens = append(out.Tokens, t)
		}
	}
	return out, nil
}

// kipuPrincipalAnswer parses authorizeByPersonalAccessToken's answer.
func kipuPrincipalAnswer(res *http.Response) (*KipuPrincipal, error) {
	dto, err := jsonOK[kipu.PersonalAccessTokenPrincipal](res)
	if err != nil || dto == nil {
		return nil, err
	}
	out := &KipuPrincipal{UserID: dto.ID}
	if dto.AccessToken != nil {
		t, err := kipuToken(*dto.AccessToken)
		if err != nil {
			return nil, err
		}
		out.AccessToken = &t
	}
	return out, nil
}
