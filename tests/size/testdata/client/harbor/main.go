// Command harbor is the smallest program that uses client.NewHarbor: the
// binary size measured against baseline/harbor (the same calls by hand).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
)

func main() {
	ctx := context.Background()
	h, err := client.NewHarbor(client.WithBaseURL(os.Getenv("HARBOR_URL")),
		client.WithBasicAuth(os.Getenv("HARBOR_USERNAME"), os.Getenv("HARBOR_PASSWORD")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	me, _, err := h.GetCurrentUserInfo(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	users, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.Username, len(users))
}
