// Command kipu makes the calls of client/kipu by hand with net/http,
// encoding/json and x/oauth2: the baseline of the size comparison.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"

	"golang.org/x/oauth2"
)

type user struct {
	ID        string  `json:"id"`
	Firstname *string `json:"firstname,omitempty"`
}

func get(ctx context.Context, hc *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if tok := os.Getenv("KIPU_TOKEN"); tok != "" {
		req.Header.Set("X-Auth-Token", tok)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	ctx := context.Background()
	hc := http.DefaultClient
	if tok := os.Getenv("KIPU_OAUTH_TOKEN"); tok != "" {
		hc = oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}))
	}
	base := os.Getenv("KIPU_URL")
	var me, u user
	if err := get(ctx, hc, base+"/me", &me); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := get(ctx, hc, base+"/users/"+url.PathEscape(me.ID), &u); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.ID, u.Firstname)
}
