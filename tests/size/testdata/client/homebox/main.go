// Command homebox is the smallest program that uses client.NewHomebox: the
// binary size measured against baseline/homebox (the same calls by hand).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/userapis/userapis-go/client"
)

func main() {
	ctx := context.Background()
	hb, err := client.NewHomebox(client.WithBaseURL(os.Getenv("HOMEBOX_URL")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, _, err := hb.UserLogin(ctx, os.Getenv("HOMEBOX_USERNAME"), os.Getenv("HOMEBOX_PASSWORD"), false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	me, _, err := hb.GetUserSelf(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.Name, me.Email)
}
