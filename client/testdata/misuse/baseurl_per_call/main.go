// Command baseurl_per_call must not compile: WithBaseURL is a ClientOption,
// and a method takes CallOptions (options_test.go builds it).
package main

import (
	"context"

	"github.com/userapis/userapis-go/client"
)

func main() {
	k, _ := client.NewKipu()
	_, _, _ = k.GetCurrentUser(context.Background(), client.WithBaseURL("https://elsewhere.example.com"))
}
