// A fake as a running server: the httptest server on a 127.0.0.1 address,
// its fault queue, and the violations its check of its own answers found.

package fakekit

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Server is a fake listening on 127.0.0.1.
type Server struct {
	// URL is the base URL to give a client of this module (WithBaseURL).
	URL string
	// Faults injects failures into this server's answers.
	Faults *Faults
	// ControlURL is the base URL of the control API (api/control.yaml),
	// "" when it is off (see WithControl).
	ControlURL string

	hs         *httptest.Server
	violations *violationLog
}

// Listen starts the handler that build returns on addr (such as
// 127.0.0.1:8081, or 127.0.0.1:0 for a random port). build gets opts
// plus the recording of violations into the server. ctl is the fake's side
// of the control API, served when opts turn it on (WithControl); nil for a
// fake without one. URL is the bare address (http://127.0.0.1:port) for
// every service: the client appends the API path.
func Listen(addr string, build func(opts ...Option) http.Handler, faults *Faults, ctl Controlled, opts []Option) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	log := &violationLog{}
	o := newOptions(opts)
	var clock *Clock
	if o.control && ctl != nil {
		// Before the fake serves: its time is the control API's.
		clock = &Clock{}
		ctl.SetClock(clock.Now)
	}
	h := build(recordInto(log, opts)...)
	srv := &Server{Faults: faults, violations: log}
	if clock != nil {
		control := controlHandler(srv, ctl, clock)
		api := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == ControlPath || strings.HasPrefix(r.URL.Path, ControlPath+"/") {
				control.ServeHTTP(w, r)
				return
			}
			api.ServeHTTP(w, r)
		})
	}
	hs := httptest.NewUnstartedServer(h)
	_ = hs.Listener.Close()
	hs.Listener = l
	hs.Config.ReadHeaderTimeout = 10 * time.Second
	hs.Start()
	srv.URL, srv.hs = hs.URL, hs
	if clock != nil {
		srv.ControlURL = hs.URL + ControlPath
	}
	return srv, nil
}

// ListenAs is Listen for a service package: wrap turns the running server
// into the package's own Server type (with its fake and credentials).
func ListenAs[S any](addr string, build func(opts ...Option) http.Handler, faults *Faults, ctl Controlled, opts []Option, wrap func(*Server) S) (S, error) {
	s, err := Listen(addr, build, faults, ctl, opts)
	if err != nil {
		var zero S
		return zero, err
	}
	return wrap(s), nil
}

// MustStart is for a service package's Start: listen on a random
// 127.0.0.1 port, panicking when no port can be had, as
// httptest.NewServer does.
func MustStart[S any](listen func(addr string, opts ...Option) (S, error), opts []Option) S {
	s, err := listen("127.0.0.1:0", opts...)
	if err != nil {
		panic("fakekit: listening on 127.0.0.1: " + err.Error())
	}
	return s
}

// Close shuts the server down and closes idle client connections to it.
func (s *Server) Close() {
	s.hs.CloseClientConnections()
	s.hs.Close()
}

// Client returns an *http.Client for this server (plain HTTP on loopback).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Violations returns the answers this server's fake refused to send
// because they broke the service's document (see ValidateResponses).
func (s *Server) Violations() []error { return s.violations.list() }
