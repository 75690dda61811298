// The store's invariants, checked by the fuzz test of the fakes after
// arbitrary requests, and available to users who drive the fake hard.

package homeboxfake

import "fmt"

// CheckInvariants reports the first way the fake's state is inconsistent:
// the email index holds exactly the users, sessions (indexed by user), API
// keys and reset tokens belong to existing users, API keys are indexed by
// their token.
func (f *Fake) CheckInvariants() error {
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, u := range s.users {
		if u.id != id {
			return fmt.Errorf("user %s stored under %s", u.id, id)
		}
		if s.byEmail[u.email] != id {
			return fmt.Errorf("user %s not indexed by email %s", id, u.email)
		}
	}
	if len(s.byEmail) != len(s.users) {
		return fmt.Errorf("%d emails indexed for %d users", len(s.byEmail), len(s.users))
	}
	indexed := 0
	for tok, sess := range s.sessions {
		if _, ok := s.users[sess.userID]; !ok {
			return fmt.Errorf("session %.6s… of unknown user %s", tok, sess.userID)
		}
		if _, ok := s.byUser[sess.userID][tok]; !ok {
			return fmt.Errorf("session %.6s… not indexed under its user", tok)
		}
	}
	for _, toks := range s.byUser {
		indexed += len(toks)
	}
	if indexed != len(s.sessions) {
		return fmt.Errorf("%d session tokens indexed by user for %d sessions", indexed, len(s.sessions))
	}
	for id, k := range s.apiKeys {
		if _, ok := s.users[k.out.UserID]; !ok {
			return fmt.Errorf("API key %s of unknown user %s", id, k.out.UserID)
		}
		if s.apiKeyByTok[k.token] != id {
			return fmt.Errorf("API key %s not indexed by its token", id)
		}
	}
	if len(s.apiKeyByTok) != len(s.apiKeys) {
		return fmt.Errorf("%d API key tokens indexed for %d keys", len(s.apiKeyByTok), len(s.apiKeys))
	}
	for tok, r := range s.resets {
		if _, ok := s.users[r.userID]; !ok {
			return fmt.Errorf("reset token %.6s… of unknown user %s", tok, r.userID)
		}
	}
	return nil
}
