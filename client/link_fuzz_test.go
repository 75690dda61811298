package client

import (
	"reflect"
	"strings"
	"testing"
)

// linkUnsafe are the characters that delimit a Link header's parts; a
// target or relation made without them must survive a round trip.
const linkUnsafe = `<>,;"`

// FuzzParseLink checks parseLink (Harbor's Link header) two ways. Any header: no panic,
// relation names are lower case, non-empty and without white space, and
// every target is one the header wrote between < and >. A header built from
// two (target, rel) pairs without <>,;" in them, in any of the layouts
// below: parses back to exactly those pairs, each relation (rel may list
// several, separated by white space) mapped to the first target naming it.
func FuzzParseLink(f *testing.F) {
	f.Add(`</api/v2.0/users?page=1&page_size=10>; rel="prev" , </api/v2.0/users?page=3&page_size=10>; rel="next"`,
		"/api/v2.0/users?page=1&page_size=10", "prev", "/api/v2.0/users?page=3&page_size=10", "next", uint16(0))
	f.Add(`<a>;rel=next,<b>;REL="Next prev"`, "https://x.test/a?q=1", "next", "", "Next prev", uint16(0x1ff))
	f.Add(`<>; rel=""`, "", "", "b", "\tlast\t first ", uint16(0x55))
	f.Add(`garbage, <x; rel=next`, "a b", "next", "a b", "next", uint16(0x2a))
	f.Fuzz(func(t *testing.T, header, t1, r1, t2, r2 string, layout uint16) {
		checkLinkParse(t, header)

		if strings.ContainsAny(t1+r1+t2+r2, linkUnsafe) {
			return
		}
		built := buildLink(layout, [][2]string{{t1, r1}, {t2, r2}})
		got := checkLinkParse(t, built)
		want := map[string]string{}
		for _, p := range [][2]string{{t1, r1}, {t2, r2}} {
			for _, rel := range strings.Fields(p[1]) {
				if _, dup := want[strings.ToLower(rel)]; !dup {
					want[strings.ToLower(rel)] = p[0]
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parseLink(%q)\n = %q\nwant %q", built, got, want)
		}
	})
}

func checkLinkParse(t *testing.T, header string) map[string]string {
	t.Helper()
	links := parseLink(header)
	if links == nil {
		t.Fatalf("parseLink(%q) = nil map", header)
	}
	for rel, target := range links {
		if rel == "" || rel != strings.ToLower(rel) || len(strings.Fields(rel)) != 1 || strings.Fields(rel)[0] != rel {
			t.Fatalf("parseLink(%q): relation %q", header, rel)
		}
		if !strings.Contains(header, "<"+target+">") {
			t.Fatalf("parseLink(%q): target %q of %q is not in the header", header, target, rel)
		}
	}
	return links
}

// buildLink writes pairs as a Link header, its layout chosen by the bits of
// layout: the separator between entries, spaces around ";", the spelling
// of "rel", quoting of rel (when it is one token), and an extra parameter
// before or after rel.
func buildLink(layout uint16, pairs [][2]string) string {
	seps := []string{", ", " , ", ",", ",\t "}
	rels := []string{"rel", "REL", "Rel", "rEl"}
	var b strings.Builder
	for i, p := range pairs {
		bits := layout >> (8 * i)
		if i > 0 {
			b.WriteString(seps[layout>>14&3])
		}
		b.WriteString("<" + p[0] + ">")
		semi := "; "
		if bits&1 != 0 {
			semi = " ;"
		}
		if bits&2 != 0 {
			b.WriteString(semi + `type="text/html"`)
		}
		rel := `"` + p[1] + `"`
		if f := strings.Fields(p[1]); bits&4 != 0 && len(f) == 1 && f[0] == p[1] {
			rel = p[1]
		}
		b.WriteString(semi + rels[bits>>3&3] + "=" + rel)
		if bits&32 != 0 {
			b.WriteString(semi + "title=x")
		}
	}
	return b.String()
}
