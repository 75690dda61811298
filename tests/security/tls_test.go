package securitytest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
)

// tlsTarget is a fake served over TLS with httptest's self-signed
// certificate, and one call of its client.
type tlsTarget struct {
	service string
	handler http.Handler
	path    string // the fake's mount path, part of the base URL
	call    func(ctx context.Context, base string, opts ...client.ClientOption) error
}

func tlsTargets() []tlsTarget {
	fast := []client.ClientOption{client.WithRetryBackoff(time.Millisecond, 2*time.Millisecond), client.WithTimeout(10 * time.Second)}
	with := func(base string, opts []client.ClientOption, more ...client.ClientOption) []client.ClientOption {
		return append(append(append([]client.ClientOption{client.WithBaseURL(base)}, fast...), opts...), more...)
	}
	return []tlsTarget{
		{"kipu", kipufake.New().Handler(), kipufake.BasePath, func(ctx context.Context, base string, opts ...client.ClientOption) error {
			k, err := client.NewKipu(with(base, opts, client.WithPersonalAccessToken("kqh_tls_check_token"))...)
			if err != nil {
				return err
			}
			_, _, err = k.GetUserByID(ctx, kipufake.AlanID)
			return err
		}},
		{"harbor", harborfake.New().Handler(), "", func(ctx context.Context, base string, opts ...client.ClientOption) error {
			h, err := client.NewHarbor(with(base, opts, client.WithBasicAuth(harborfake.AdminUser, harborfake.AdminPassword))...)
			if err != nil {
				return err
			}
			_, _, err = h.GetCurrentUserInfo(ctx)
			return err
		}},
		{"homebox", homeboxfake.New().Handler(), "", func(ctx context.Context, base string, opts ...client.ClientOption) error {
			hb, err := client.NewHomebox(with(base, opts)...)
			if err != nil {
				return err
			}
			_, _, err = hb.UserLogin(ctx, homeboxfake.SeedEmail, homeboxfake.SeedPassword, false)
			return err
		}},
		{"vectara", vectarafake.New().Handler(), "", func(ctx context.Context, base string, opts ...client.ClientOption) error {
			v, err := client.NewVectara(with(base, opts, client.WithAPIKey(vectarafake.SeedAPIKey))...)
			if err != nil {
				return err
			}
			_, _, err = v.GetUser(ctx, "ada@example.com")
			return err
		}},
		{"vectara-oauth2", vectarafake.New().Handler(), "", func(ctx context.Context, base string, opts ...client.ClientOption) error {
			v, err := client.NewVectara(with(base, opts, client.WithClientCredentials(vectarafake.SeedClientID, vectarafake.SeedClientSecret, base+vectarafake.TokenPath))...)
			if err != nil {
				return err
			}
			_, _, err = v.GetUser(ctx, "ada@example.com")
			return err
		}},
	}
}

// isCertificateError reports whether err is the TLS client refusing the
// server's certificate.
func isCertificateError(err error) bool {
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}

// TestTLSVerificationOnByDefault: each client, against a TLS server whose
// certificate it was not told to trust, fails with a certificate error —
// with the default *http.Client and with a plain one of the caller's. The
// same call succeeds with a client that trusts the certificate, so the
// failure is the verification and nothing else.
func TestTLSVerificationOnByDefault(t *testing.T) {
	ctx := context.Background()
	for _, target := range tlsTargets() {
		t.Run(target.service, func(t *testing.T) {
			srv := quietServer(t, target.handler, true)
			base := srv.URL + target.path

			err := target.call(ctx, base)
			require.Error(t, err, "default client: an untrusted certificate must fail")
			assert.True(t, isCertificateError(err), "default client: want a certificate error, got %v", err)

			own := &http.Client{Transport: transport(t)}
			err = target.call(ctx, base, client.WithHTTPClient(own))
			require.Error(t, err, "caller's client without the CA: an untrusted certificate must fail")
			assert.True(t, isCertificateError(err), "caller's client: want a certificate error, got %v", err)

			// Control: trusting the test CA, the same call works.
			require.NoError(t, target.call(ctx, base, client.WithHTTPClient(srv.Client())))
		})
	}
}
