// Command requestid_at_construction must not compile: WithRequestID names
// one call, and a constructor takes ClientOptions (options_test.go builds it).
package main

import "github.com/userapis/userapis-go/client"

func main() {
	_, _ = client.NewHarbor(client.WithRequestID("one-call-only"))
}
