// Command vectara is the smallest program that uses client.NewVectara: the
// binary size measured against baseline/vectara (the same calls by hand).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/userapis/userapis-go/client"
)

func main() {
	ctx := context.Background()
	var opt client.ClientOption = client.WithAPIKey(os.Getenv("VECTARA_API_KEY"))
	if id := os.Getenv("VECTARA_CLIENT_ID"); id != "" {
		opt = client.WithClientCredentials(id, os.Getenv("VECTARA_CLIENT_SECRET"), os.Getenv("VECTARA_TOKEN_URL"))
	}
	v, err := client.NewVectara(client.WithBaseURL(os.Getenv("VECTARA_URL")), opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n := 0
	for u, err := range v.ListUsersIter(ctx, nil) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n++
		_ = u
	}
	u, _, err := v.GetUser(ctx, os.Getenv("VECTARA_USERNAME"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(n, *u.Username)
}
