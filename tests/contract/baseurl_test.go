// The base-URL rule against the fakes: every spelling of a fake's address
// reaches it, and a wrong one fails with "check WithBaseURL" while an
// operation's own 404 does not.
package contracttest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/internal/servicetest"
)

// baseURLCase is one service: a call that succeeds on the right base URL,
// and one that is the operation's own 404.
type baseURLCase struct {
	name     string
	host     string   // the fake's URL, as serve prints it
	apiPaths []string // what may follow the host
	call     func(t *testing.T, base string) error
	own404   func(t *testing.T) error
}

func baseURLCases(t *testing.T) []baseURLCase {
	ks, _ := servicetest.Kipu(t)
	hs, _ := servicetest.Harbor(t)
	bs, _ := servicetest.Homebox(t)
	vs, _ := servicetest.Vectara(t)
	ctx := context.Background()
	return []baseURLCase{
		{"kipu", ks.URL, []string{"", "/user-service"}, func(t *testing.T, base string) error {
			_, _, err := servicetest.KipuClient(t, ks, client.WithBaseURL(base)).GetCurrentUser(ctx)
			return err
		}, func(t *testing.T) error {
			_, _, err := servicetest.KipuClient(t, ks).GetUserByID(ctx, "00000000-0000-4000-8000-000000000000")
			return err
		}},
		{"harbor", hs.URL, []string{"", "/api", "/api/v2.0"}, func(t *testing.T, base string) error {
			_, _, err := servicetest.HarborClient(t, hs, client.WithBaseURL(base)).GetCurrentUserInfo(ctx)
			return err
		}, func(t *testing.T) error {
			_, _, err := servicetest.HarborClient(t, hs).GetUser(ctx, 999999)
			return err
		}},
		{"homebox", bs.URL, []string{"", "/api", "/api/v1"}, func(t *testing.T, base string) error {
			h := servicetest.HomeboxClient(t, bs, client.WithBaseURL(base))
			_, _, err := h.UserLogin(ctx, bs.Email, bs.Password, false)
			return err
		}, func(t *testing.T) error {
			h := servicetest.HomeboxClient(t, bs)
			_, _, err := h.UserLogin(ctx, bs.Email, bs.Password, false)
			require.NoError(t, err)
			_, err = h.DeleteAPIKey(ctx, [16]byte{1})
			return err
		}},
		{"vectara", vs.URL, []string{"", "/v2"}, func(t *testing.T, base string) error {
			_, _, err := servicetest.VectaraClient(t, vs, client.WithBaseURL(base)).GetUser(ctx, "ada@example.com")
			return err
		}, func(t *testing.T) error {
			_, _, err := servicetest.VectaraClient(t, vs).GetUser(ctx, "nobody@example.com")
			return err
		}},
	}
}

func TestBaseURLSpellingsReachTheFakes(t *testing.T) {
	for _, c := range baseURLCases(t) {
		host := c.host
		for _, p := range c.apiPaths {
			for _, slash := range []string{"", "/"} {
				base := host + p + slash
				t.Run(c.name+" "+p+slash, func(t *testing.T) {
					require.NoError(t, c.call(t, base), "WithBaseURL(%q)", base)
				})
			}
		}
		t.Run(c.name+" wrong", func(t *testing.T) {
			err := c.call(t, host+"/elsewhere")
			require.ErrorIs(t, err, client.ErrNotFound)
			assert.ErrorContains(t, err, "check WithBaseURL")
		})
		t.Run(c.name+" own 404", func(t *testing.T) {
			err := c.own404(t)
			require.ErrorIs(t, err, client.ErrNotFound)
			assert.NotContains(t, err.Error(), "WithBaseURL")
		})
	}
}
