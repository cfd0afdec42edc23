package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/session"
)

// TestSessionRefsFromCookieHeader: the session cookie is found by its exact
// name wherever it sits in the Cookie header lines, quoted or not, in header
// order, and lookalike names or broken values are not logged in.
func TestSessionRefsFromCookieHeader(t *testing.T) {
	jar := fuzzCookieJar(t)
	encode := func(ref sessionRef) string {
		rec := &headerRecorder{h: http.Header{}}
		if err := jar.setSession(rec, ref); err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(strings.SplitN(rec.h.Get("Set-Cookie"), ";", 2)[0], jar.sessionName+"=")
	}
	a := sessionRef{ID: session.NewID(), Key: session.NewKey()}
	b := sessionRef{ID: session.NewID(), Key: session.NewKey()}
	va, vb := encode(a), encode(b)
	name := jar.sessionName

	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // session ids, in order
	}{
		{"alone", []string{name + "=" + va}, []string{a.ID}},
		{"among app cookies", []string{"theme=dark; " + name + "=" + va + "; app=1"}, []string{a.ID}},
		{"no spaces", []string{"theme=dark;" + name + "=" + va + ";app=1"}, []string{a.ID}},
		{"quoted", []string{name + `="` + va + `"`}, []string{a.ID}},
		{"two, in header order", []string{name + "=" + vb + "; " + name + "=" + va}, []string{b.ID, a.ID}},
		{"second header line", []string{"theme=dark", name + "=" + va}, []string{a.ID}},
		{"broken value skipped", []string{name + "=" + va[:len(va)-2] + "; " + name + "=" + vb}, []string{b.ID}},
		{"lookalike names", []string{name + "x=" + va + "; x" + name + "=" + va + "; " + strings.ToUpper(name) + "=" + va}, nil},
		{"name without value", []string{name + "; " + name + "="}, nil},
		{"no cookie header", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{}}
			if tc.lines != nil {
				r.Header["Cookie"] = tc.lines
			}
			var got []string
			for _, ref := range jar.sessionRefs(nil, r) {
				got = append(got, ref.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("session ids %v, want %v", got, tc.want)
			}
		})
	}
}
