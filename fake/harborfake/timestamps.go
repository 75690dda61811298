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
	// One pass over the body: each match is rebuilt from its own groups.
	out := make([]byte, 0, len(b)+64)
	last := 0
	for _, m := range harborTime.FindAllSubmatchIndex(b, -1) {
		group := func(i int) []byte {
			if m[2*i] < 0 {
				return nil
			}
			return b[m[2*i]:m[2*i+1]]
		}
		frac := append(append([]byte{}, group(3)...), "000"...)[:3]
		out = append(out, b[last:m[0]]...)
		out = append(out, '"')
		out = append(out, group(1)...)
		out = append(out, `":"`...)
		out = append(out, group(2)...)
		out = append(out, '.')
		out = append(out, frac...)
		out = append(out, group(4)...)
		out = append(out, '"')
		last = m[1]
	}
	out = append(out, b[last:]...)
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
