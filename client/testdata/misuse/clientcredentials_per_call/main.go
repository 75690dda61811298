// Command clientcredentials_per_call must not compile: the token cache of
// WithClientCredentials belongs to the client (options_test.go builds it).
package main

import (
	"context"

	"github.com/userapis/userapis-go/client"
)

func main() {
	v, _ := client.NewVectara()
	_, _, _ = v.GetUser(context.Background(), "ada", client.WithClientCredentials("id", "secret", ""))
}
