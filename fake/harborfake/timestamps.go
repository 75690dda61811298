// Harbor's timestamps on the wire: go-swagger's strfmt.DateTime writes
// RFC 3339 with exactly three fractional digits (2024-05-02T09:30:00.000Z),
// where encoding/json writes time.Time with as many as it needs (none for
// a whole second). The answers that carry users are re-encoded that way.

package harborfake

import (
	"net/http"
	"regexp"

	"github.com/userapis/userapis-go/gen/harbor/harborserver"
)

var harborTime = regexp.MustCompile(`"(creation_time|update_time)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)"`)

// millisWriter rewrites the timestamps of the JSON body written through it.
// The generated answers write their body in one call.
type millisWriter struct{ http.ResponseWriter }

func (w millisWriter) Write(b []byte) (int, error) {
	out := harborTime.ReplaceAllFunc(b, func(m []byte) []byte {
		g := harborTime.FindSubmatch(m)
		frac := append(append([]byte{}, g[3]...), "000"...)[:3]
		return []byte(`"` + string(g[1]) + `":"` + string(g[2]) + "." + string(frac) + string(g[4]) + `"`)
	})
	if _, err := w.ResponseWriter.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

type (
	listUsersOK   harborserver.ListUsers200JSONResponse
	getUserOK     harborserver.GetUser200JSONResponse
	currentUserOK harborserver.GetCurrentUserInfo200JSONResponse
)

func (r listUsersOK) VisitListUsersResponse(w http.ResponseWriter) error {
	return harborserver.ListUsers200JSONResponse(r).VisitListUsersResponse(millisWriter{w})
}

func (r getUserOK) VisitGetUserResponse(w http.ResponseWriter) error {
	return harborserver.GetUser200JSONResponse(r).VisitGetUserResponse(millisWriter{w})
}

func (r currentUserOK) VisitGetCurrentUserInfoResponse(w http.ResponseWriter) error {
	return harborserver.GetCurrentUserInfo200JSONResponse(r).VisitGetCurrentUserInfoResponse(millisWriter{w})
}
