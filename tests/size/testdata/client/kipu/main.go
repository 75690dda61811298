// Command kipu is the smallest program that uses client.NewKipu: the binary
// size measured against baseline/kipu (the same calls by hand).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/userapis/userapis-go/client"
)

func main() {
	ctx := context.Background()
	k, err := client.NewKipu(client.WithBaseURL(os.Getenv("KIPU_URL")), client.WithPersonalAccessToken(os.Getenv("KIPU_TOKEN")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	me, _, err := k.GetCurrentUser(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	u, _, err := k.GetUserByID(ctx, me.ID)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.ID, u.Firstname)
}
