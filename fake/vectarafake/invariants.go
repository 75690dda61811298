// The state's invariants, checked by the fuzz test of the fakes after
// arbitrary requests, and available to users who drive the fake hard.

package vectarafake

import (
	"fmt"
	"strings"
)

// CheckInvariants reports the first way the fake's state is inconsistent:
// users are stored under their username, the email index holds exactly
// the users, the sorted list (when built) holds each user once.
func (f *Fake) CheckInvariants() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, u := range f.users {
		if u.username != name {
			return fmt.Errorf("user %q stored under %q", u.username, name)
		}
		if u.email != "" && f.emails[strings.ToLower(u.email)] != name {
			return fmt.Errorf("user %q not indexed by email %q", name, u.email)
		}
	}
	for email, name := range f.emails {
		if u, ok := f.users[name]; !ok || !strings.EqualFold(u.email, email) {
			return fmt.Errorf("email index %q points at %q", email, name)
		}
	}
	if f.sorted != nil {
		if len(f.sorted) != len(f.users) {
			return fmt.Errorf("sorted list has %d names for %d users", len(f.sorted), len(f.users))
		}
		for _, name := range f.sorted {
			if _, ok := f.users[name]; !ok {
				return fmt.Errorf("sorted list names unknown user %q", name)
			}
		}
	}
	return nil
}
