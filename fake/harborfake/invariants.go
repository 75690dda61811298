// The store's invariants, checked by the fuzz test of the fakes after
// arbitrary requests, and available to users who drive the fake hard.

package harborfake

import "fmt"

// CheckInvariants reports the first way the fake's state is inconsistent:
// user ids are their positions, the username and email indexes hold
// exactly the users not deleted, user 1 (admin) exists.
func (f *Fake) CheckInvariants() error {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	live := 0
	for i, u := range s.users {
		if u == nil {
			continue // an id a failed insert used up
		}
		if u.id != int64(i)+1 {
			return fmt.Errorf("user at %d has id %d", i, u.id)
		}
		if u.deleted {
			continue
		}
		live++
		if s.byName[u.username] != u {
			return fmt.Errorf("user %d (%s) not indexed by name", u.id, u.username)
		}
		if u.email != "" && s.byEmail[u.email] != u {
			return fmt.Errorf("user %d not indexed by email %s", u.id, u.email)
		}
	}
	if len(s.byName) != live {
		return fmt.Errorf("%d names indexed for %d live users", len(s.byName), live)
	}
	for email, u := range s.byEmail {
		if u.deleted || u.email != email {
			return fmt.Errorf("email index %s points at user %d (%s, deleted %v)", email, u.id, u.email, u.deleted)
		}
	}
	if len(s.users) == 0 || s.users[0] == nil || s.users[0].deleted {
		return fmt.Errorf("the built-in admin (user 1) is gone")
	}
	return nil
}
