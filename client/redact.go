package client

import (
	"net/url"
	"strings"
)

// sensitiveQuery lists query parameters whose values are credentials.
var sensitiveQuery = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
	"api_key": true, "apikey": true, "x-api-key": true, "key": true,
	"password": true, "secret": true, "client_secret": true, "code": true,
	"auth": true, "x-auth-token": true, "session": true,
}

const redacted = "REDACTED"

// redactURL renders u without user info and with credential query values
// replaced, for logs and errors.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if sensitiveQuery[strings.ToLower(k)] {
				q[k] = []string{redacted}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

func redactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return redactURL(u)
}
