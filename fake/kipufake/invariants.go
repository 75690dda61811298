// The store's invariants, checked by the fuzz test of the fakes after
// arbitrary requests, and available to users who drive the fake hard.

package kipufake

import "fmt"

// CheckInvariants reports the first way the fake's state is inconsistent:
// every token belongs to a known identity and is indexed by its value,
// every value index points at a token that has it, every user has an
// identity.
func (f *Fake) CheckInvariants() error {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.id != id {
			return fmt.Errorf("token %s stored under %s", t.id, id)
		}
		if _, ok := s.identities[t.owner]; !ok {
			return fmt.Errorf("token %s of unknown identity %s", id, t.owner)
		}
		if s.byValue[t.value] != id {
			return fmt.Errorf("token %s not indexed by its value", id)
		}
	}
	for value, id := range s.byValue {
		if t, ok := s.tokens[id]; !ok || t.value != value {
			return fmt.Errorf("value index points at token %s that does not hold it", id)
		}
	}
	for id, u := range s.users {
		if u.id != id {
			return fmt.Errorf("user %s stored under %s", u.id, id)
		}
		if _, ok := s.identities[id]; !ok {
			return fmt.Errorf("user %s has no identity", id)
		}
	}
	return nil
}
