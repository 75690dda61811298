// Command harbor makes the calls of client/harbor by hand with net/http and
// encoding/json: the baseline of the size comparison.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

type user struct {
	UserID       int64     `json:"user_id"`
	Username     string    `json:"username"`
	SysadminFlag bool      `json:"sysadmin_flag"`
	CreationTime time.Time `json:"creation_time"`
}

func get(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(os.Getenv("HARBOR_USERNAME"), os.Getenv("HARBOR_PASSWORD"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	ctx := context.Background()
	base := os.Getenv("HARBOR_URL") + "/api/v2.0"
	var me user
	var users []user
	if err := get(ctx, base+"/users/current", &me); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := get(ctx, base+"/users", &users); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(me.Username, len(users))
}
