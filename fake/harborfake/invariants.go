// The store's invariants, checked by the fuzz test of the fakes after
// arbitrary requests, and available to users who drive the fake hard.

package harborfake

import "fmt"

// CheckInvariants reports the first way the fake's state is inconsistent:
// live users are stored under their ids, within the id sequence, and
// the username and email indexes hold exactly them; the tombstones are
// deleted rows, at most maxTombstones; user 1 (admin) exists.
func (f *Fake) CheckInvariants() error {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, u := range s.users {
		if u.id != id || u.deleted {
			return fmt.Errorf("live user %d stored under %d (deleted %v)", u.id, id, u.deleted)
		}
		if id > s.nextID {
			return fmt.Errorf("user %d beyond the id sequence %d", id, s.nextID)
		}
		if s.byName[u.username] != u {
			return fmt.Errorf("user %d (%s) not indexed by name", u.id, u.username)
		}
		if u.email != "" && s.byEmail[u.email] != u {
			return fmt.Errorf("user %d not indexed by email %s", u.id, u.email)
		}
	}
	if len(s.byName) != len(s.users) {
		return fmt.Errorf("%d names indexed for %d live users", len(s.byName), len(s.users))
	}
	for email, u := range s.byEmail {
		if s.users[u.id] != u || u.email != email {
			return fmt.Errorf("email index %s points at user %d (%s, deleted %v)", email, u.id, u.email, u.deleted)
		}
	}
	if len(s.tombs) > maxTombstones || len(s.tombs) != len(s.tombIDs) {
		return fmt.Errorf("%d tombstones (%d ids), at most %d", len(s.tombs), len(s.tombIDs), maxTombstones)
	}
	for id, u := range s.tombs {
		if !u.deleted || s.users[id] != nil {
			return fmt.Errorf("tombstone %d is live", id)
		}
	}
	for id := range s.users {
		if s.wasEvicted(id) {
			return fmt.Errorf("user %d is live and marked as a deleted row evicted from the tombstones", id)
		}
	}
	if s.users[1] == nil {
		return fmt.Errorf("the built-in admin (user 1) is gone")
	}
	return nil
}
