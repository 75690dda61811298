// Command vectara makes the calls of client/vectara by hand with net/http,
// encoding/json and x/oauth2: the baseline of the size comparison.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

type user struct {
	ID        *string    `json:"id,omitempty"`
	Username  *string    `json:"username,omitempty"`
	Email     *string    `json:"email,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

type page struct {
	Users    []user `json:"users"`
	Metadata struct {
		PageKey string `json:"page_key"`
	} `json:"metadata"`
}

func get(ctx context.Context, hc *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if key := os.Getenv("VECTARA_API_KEY"); key != "" {
		req.Header.Set("x-api-key", key)
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
	if id := os.Getenv("VECTARA_CLIENT_ID"); id != "" {
		cc := clientcredentials.Config{ClientID: id, ClientSecret: os.Getenv("VECTARA_CLIENT_SECRET"), TokenURL: os.Getenv("VECTARA_TOKEN_URL")}
		hc = cc.Client(ctx)
	}
	base := os.Getenv("VECTARA_URL") + "/v2"
	n, key := 0, ""
	for {
		var p page
		u := base + "/users"
		if key != "" {
			u += "?page_key=" + url.QueryEscape(key)
		}
		if err := get(ctx, hc, u, &p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n += len(p.Users)
		if key = p.Metadata.PageKey; key == "" {
			break
		}
	}
	var one user
	if err := get(ctx, hc, base+"/users/"+url.PathEscape(os.Getenv("VECTARA_USERNAME")), &one); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(n, *one.Username)
}
