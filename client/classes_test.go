// Mutation-check gaps: every status matches exactly one class sentinel (or
// none), for every service; and when Harbor's Link and X-Total-Count
// disagree, Link wins.
package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
)

var sentinels = map[string]error{
	"ErrBadRequest": client.ErrBadRequest, "ErrUnauthorized": client.ErrUnauthorized,
	"ErrForbidden": client.ErrForbidden, "ErrNotFound": client.ErrNotFound,
	"ErrConflict": client.ErrConflict, "ErrPreconditionFailed": client.ErrPreconditionFailed,
	"ErrRateLimited": client.ErrRateLimited, "ErrServer": client.ErrServer,
}

func TestExactlyOneClassPerStatus(t *testing.T) {
	want := map[int]string{
		400: "ErrBadRequest", 422: "ErrBadRequest", 401: "ErrUnauthorized", 403: "ErrForbidden",
		404: "ErrNotFound", 409: "ErrConflict", 412: "ErrPreconditionFailed", 429: "ErrRateLimited",
		500: "ErrServer", 501: "ErrServer", 502: "ErrServer", 503: "ErrServer", 504: "ErrServer",
		405: "", 410: "", 418: "",
	}
	services := map[string]func(base string) error{
		"kipu": func(base string) error {
			k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken("p"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = k.GetCurrentUser(context.Background())
			return err
		},
		"harbor": func(base string) error {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth("a", "b"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.GetUser(context.Background(), 3)
			return err
		},
		"homebox": func(base string) error {
			h, err := client.NewHomebox(client.WithBaseURL(base), client.WithAPIKey("k"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.GetUserSelf(context.Background())
			return err
		},
		"vectara": func(base string) error {
			v, err := client.NewVectara(client.WithBaseURL(base), client.WithAPIKey("k"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = v.GetUser(context.Background(), "ada")
			return err
		},
	}
	for svc, call := range services {
		for status, class := range want {
			t.Run(fmt.Sprintf("%s/%d", svc, status), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write([]byte(`{}`))
				}))
				defer srv.Close()
				err := call(srv.URL)
				require.Error(t, err)
				var matched []string
				for name, s := range sentinels {
					if errors.Is(err, s) {
						matched = append(matched, name)
					}
				}
				if class == "" {
					assert.Empty(t, matched, "%d matches no class", status)
					return
				}
				assert.Equal(t, []string{class}, matched, "%d matches exactly one class", status)
			})
		}
	}
}

// Link wins over X-Total-Count when they disagree (harborHasNext): a page
// with rel="next" is followed although the total says there is no more,
// and a page without it ends the iteration although the total says more.
func TestHarborPagerLinkWinsOverTotal(t *testing.T) {
	user := func(id int) string {
		return fmt.Sprintf(`{"user_id":%d,"username":"u%d","sysadmin_flag":false,"admin_role_in_auth":false,"creation_time":"2025-01-01T00:00:00Z","update_time":"2025-01-01T00:00:00Z"}`, id, id)
	}
	for _, tc := range []struct {
		name  string
		pages int // pages the iterator must fetch
	}{
		{"Link says next, total says done", 2},
		{"Link says done, total says more", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests++
				page := r.URL.Query().Get("page")
				w.Header().Set("Content-Type", "application/json")
				switch {
				case tc.pages == 2 && page == "1":
					w.Header().Set("X-Total-Count", "1")
					w.Header().Set("Link", `</api/v2.0/users?page=2&page_size=1>; rel="next"`)
				case tc.pages == 1:
					w.Header().Set("X-Total-Count", "50")
					w.Header().Set("Link", `</api/v2.0/users?page=1&page_size=1>; rel="prev"`)
				default:
					w.Header().Set("X-Total-Count", "1")
					w.Header().Set("Link", `</api/v2.0/users?page=1&page_size=1>; rel="prev"`)
				}
				_, _ = w.Write([]byte("[" + user(requests+1) + "]"))
			}))
			defer srv.Close()
			h, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth("a", "b"))
			require.NoError(t, err)
			n := 0
			for _, err := range h.ListUsersIter(context.Background(), &harbor.ListUsersParams{PageSize: client.Ptr[int64](1)}) {
				require.NoError(t, err)
				n++
				require.Less(t, n, 10, "runaway iterator")
			}
			assert.Equal(t, tc.pages, requests)
			assert.Equal(t, tc.pages, n)
		})
	}
}
