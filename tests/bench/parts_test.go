package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/gen/harbor"
)

// BenchmarkParts times, without a network, the pieces in which the facade's
// call differs from the hand-written baseline, to explain the per-call
// difference: building the request by hand, as the facade does (the
// generated path function, one parse of the joined URL) or with the
// generated request builder (three parses, what the facade did before);
// the per-attempt timeout context; decoding with the generated parser (which
// reads the body again), with json.Unmarshal of the bytes already read (what
// the facade does), or with a json.Decoder on the body (the baseline).
func BenchmarkParts(b *testing.B) {
	fxs := getFixtures(b)
	const server = "http://127.0.0.1:8080/api/v2.0/"
	const base = "http://127.0.0.1:8080"
	ctx := context.Background()
	page, size := int64(1), int64(harborListSize)

	b.Run("part=build/call=HarborGetUser/impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v2.0/users/"+strconv.FormatInt(harborfake.UserID, 10), nil)
			if err != nil || req == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("part=build/call=HarborGetUser/impl=facade", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			path, err := harbor.GetUserPath(harborfake.UserID)
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodGet, base+"/api/v2.0"+path, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = req.WithContext(ctx) // the first attempt's shallow copy
		}
	})
	b.Run("part=build/call=HarborGetUser/impl=generated-builder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := harbor.NewGetUserRequest(server, harborfake.UserID, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = req.WithContext(ctx)
		}
	})
	b.Run("part=build/call=HarborListUsers100/impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u := base + "/api/v2.0/users?page=" + strconv.FormatInt(page, 10) + "&page_size=" + strconv.FormatInt(size, 10)
			if _, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("part=build/call=HarborListUsers100/impl=facade", func(b *testing.B) {
		b.ReportAllocs()
		params := &harbor.ListUsersParams{Page: &page, PageSize: &size}
		for b.Loop() {
			path, err := harbor.ListUsersPath(params)
			if err != nil {
				b.Fatal(err)
			}
			header, err := harbor.ListUsersHeader(params)
			if err != nil || header != nil {
				b.Fatal(err, header)
			}
			req, err := http.NewRequest(http.MethodGet, base+"/api/v2.0"+path, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = req.WithContext(ctx)
		}
	})
	b.Run("part=build/call=HarborListUsers100/impl=generated-builder", func(b *testing.B) {
		b.ReportAllocs()
		params := &harbor.ListUsersParams{Page: &page, PageSize: &size}
		for b.Loop() {
			req, err := harbor.NewListUsersRequest(server, params)
			if err != nil {
				b.Fatal(err)
			}
			_ = req.WithContext(ctx)
		}
	})
	b.Run("part=attempt-context/impl=facade", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			actx, cancel := context.WithTimeout(ctx, client.DefaultTimeout)
			_ = actx.Done() // the transport asks for it: its channel is allocated
			cancel()
		}
	})

	for _, c := range []struct {
		name, fixture string
		gen           func(*http.Response) error
		unmarshal     func([]byte) error
		decoder       func(io.Reader) error
	}{
		{
			name: "HarborGetUser", fixture: "harbor/getUser",
			gen: func(r *http.Response) error { _, err := harbor.ParseGetUserResponse(r); return err },
			unmarshal: func(b []byte) error {
				return json.Unmarshal(b, new(harbor.UserResp))
			},
			decoder: func(r io.Reader) error { return json.NewDecoder(r).Decode(new(baseHarborUser)) },
		},
		{
			name: "HarborListUsers100", fixture: "harbor/listUsers100",
			gen: func(r *http.Response) error { _, err := harbor.ParseListUsersResponse(r); return err },
			unmarshal: func(b []byte) error {
				return json.Unmarshal(b, new([]harbor.UserResp))
			},
			decoder: func(r io.Reader) error { return json.NewDecoder(r).Decode(new([]baseHarborUser)) },
		},
	} {
		fx := fxs[c.fixture]
		res := &http.Response{StatusCode: fx.status, Header: fx.header}
		b.Run("part=decode/call="+c.name+"/impl=baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.decoder(bytes.NewReader(fx.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("part=decode/call="+c.name+"/impl=facade", func(b *testing.B) {
			// What the facade does: the body read once (Content-Length
			// known), then json.Unmarshal.
			b.ReportAllocs()
			for b.Loop() {
				body := make([]byte, 0, len(fx.body)+1)
				body = append(body, fx.body...)
				if err := c.unmarshal(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("part=decode/call="+c.name+"/impl=facade-generated-parser", func(b *testing.B) {
			// What the facade did before: the body read once, then handed
			// to the generated parser, which reads it again.
			b.ReportAllocs()
			for b.Loop() {
				body := make([]byte, 0, len(fx.body)+1)
				body = append(body, fx.body...)
				res.Body = io.NopCloser(bytes.NewReader(body))
				if err := c.gen(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
