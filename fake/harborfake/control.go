// The Harbor fake's side of the control API (api/control.yaml): Reset, and
// the adapter that maps the control API onto the fake's Go methods.

package harborfake

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/userapis/userapis-go/internal/fakekit"
)

// Reset puts the fake back to its seed: the seeded users and robot, no
// other user ever made (ids start again after the seed), db_auth,
// self-registration off. The clock and the fault queue are not touched.
func (f *Fake) Reset() {
	s := f.store
	fresh := newStore(s.now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users, s.nextID, s.tombs, s.tombIDs, s.evicted = fresh.users, fresh.nextID, fresh.tombs, fresh.tombIDs, fresh.evicted
	s.byName, s.byEmail, s.views, s.matches = fresh.byName, fresh.byEmail, fresh.views, fresh.matches
	s.authMode, s.selfReg, s.robots = fresh.authMode, fresh.selfReg, fresh.robots
	s.version++ // a view cached before the reset is never served after it
}

// controlled is the Harbor fake as the control API sees it.
type controlled struct{ f *Fake }

func (c controlled) Info() (string, string, string) { return "harbor", "Harbor v2.0", basePath }
func (c controlled) Reset()                         { c.f.Reset() }
func (c controlled) SetClock(now func() time.Time)  { c.f.SetClock(now) }
func (c controlled) Outbox() []fakekit.Message      { return nil } // Harbor sends nothing out of band
func (c controlled) ClearOutbox()                   {}
func (c controlled) SetAuthMode(mode string)        { c.f.SetAuthMode(mode) }

func (c controlled) Describe() (map[string]string, []map[string]any, map[string][]string) {
	creds := map[string]string{"admin_username": AdminUser, "admin_password": AdminPassword, "username": UserName, "password": UserPassword,
		"robot_username": RobotName, "robot_password": RobotSecret}
	s := c.f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	users := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		users = append(users, fakekit.ObjectOf(s.resp(s.users[id], false)))
	}
	var robots []string
	for name := range s.robots {
		robots = append(robots, name)
	}
	slices.Sort(robots)
	return creds, users, map[string][]string{"robots": robots}
}

func (c controlled) Seed(kind string, obj map[string]any) (map[string]any, error) {
	switch kind {
	case "user", "oidc-user":
		var u struct {
			Username string `json:"username"`
			Email    string `json:"email"`
			Realname string `json:"realname"`
			Comment  string `json:"comment"`
			Password string `json:"password"`
			SysAdmin bool   `json:"sysadmin"`
			Secret   string `json:"secret"` // oidc-user: its CLI secret
			Subiss   string `json:"subiss"` // oidc-user: accepted, the fake derives its own
		}
		if err := fakekit.DecodeObject(obj, &u); err != nil {
			return nil, err
		}
		if u.Username == "" {
			return nil, errors.New("username is required")
		}
		if kind == "user" && u.Password == "" {
			return nil, errors.New("password is required (an oidc-user has none)")
		}
		id, err := c.f.AddUser(User{Username: u.Username, Email: u.Email, Realname: u.Realname, Comment: u.Comment,
			Password: u.Password, SysAdmin: u.SysAdmin, CLISecret: u.Secret})
		if err != nil {
			return nil, err
		}
		return map[string]any{"user_id": id, "username": u.Username}, nil
	case "robot":
		var r struct {
			Name   string `json:"name"`
			Secret string `json:"secret"`
		}
		if err := fakekit.DecodeObject(obj, &r); err != nil {
			return nil, err
		}
		if len(r.Name) <= len("robot$") || !strings.HasPrefix(r.Name, "robot$") || r.Secret == "" {
			return nil, errors.New(`name must be robot$<name>, and secret is required`)
		}
		c.f.AddRobot(r.Name, r.Secret)
		return map[string]any{"name": r.Name}, nil
	case "users":
		var n struct {
			Count int `json:"count"`
		}
		if err := fakekit.DecodeObject(obj, &n); err != nil {
			return nil, err
		}
		if n.Count < 1 || n.Count > 1_000_000 {
			return nil, errors.New("count must be 1 to 1000000")
		}
		ids := c.f.SeedUsers(n.Count)
		return map[string]any{"user_ids": ids, "password": "Seed-Passw0rd"}, nil
	}
	return nil, fakekit.ErrNoSuchKind
}
