// Command homebox makes the calls of client/homebox by hand with net/http
// and encoding/json: the baseline of the size comparison.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

type token struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type user struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func call(ctx context.Context, method, u, tok string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	ctx := context.Background()
	base := os.Getenv("HOMEBOX_URL") + "/api/v1"
	var tok token
	login := map[string]any{"username": os.Getenv("HOMEBOX_USERNAME"), "password": os.Getenv("HOMEBOX_PASSWORD")}
	if err := call(ctx, http.MethodPost, base+"/users/login", "", login, &tok); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var me struct {
		Item user `json:"item"`
	}
	if err := call(ctx, http.MethodGet, base+"/users/self", tok.Token, nil, &me); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.Item.Name, me.Item.Email)
}
