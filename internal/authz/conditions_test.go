package authz

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// plain is public_paths written as plain strings.
func plain(paths ...string) []config.PublicPath {
	out := make([]config.PublicPath, len(paths))
	for i, p := range paths {
		out[i] = config.PublicPath{Path: p}
	}
	return out
}

// at is a GET of path from 192.0.2.1.
func at(path string) Request {
	return Request{Path: path, Method: "GET", MethodKnown: true, Source: netip.MustParseAddr("192.0.2.1")}
}

func call(method, path, source string) Request {
	r := Request{Path: path, Method: method, MethodKnown: method != "?"}
	if source != "" {
		r.Source = netip.MustParseAddr(source)
	}
	return r
}

func TestPublicConditions(t *testing.T) {
	p, err := New(config.Authorization{PublicPaths: []config.PublicPath{
		{Path: "/feed", Methods: []string{"GET"}},
		{Path: "/api/hooks", Methods: []string{"POST"}, SourceIPs: []string{"127.0.0.2", "10.0.0.0/8"}},
		{Path: "/ping", SourceIPs: []string{"2001:db8::/32"}},
		{Path: "/static"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  Request
		want bool
	}{
		{"GET feed", call("GET", "/feed", "192.0.2.1"), true},
		{"HEAD where GET is listed", call("HEAD", "/feed/x", "192.0.2.1"), true},
		{"POST feed", call("POST", "/feed", "192.0.2.1"), false},
		{"lowercase get is another method", call("get", "/feed", "192.0.2.1"), false},
		{"extension method", call("FOO", "/feed", "192.0.2.1"), false},
		{"unknown method", call("?", "/feed", "192.0.2.1"), false},
		{"hook from listed host", call("POST", "/api/hooks", "127.0.0.2"), true},
		{"hook from listed net", call("POST", "/api/hooks", "10.9.8.7"), true},
		{"hook from v4-mapped listed host", call("POST", "/api/hooks", "::ffff:127.0.0.2"), true},
		{"hook from other host", call("POST", "/api/hooks", "127.0.0.3"), false},
		{"hook with GET", call("GET", "/api/hooks", "127.0.0.2"), false},
		{"hook from unknown source", call("POST", "/api/hooks", ""), false},
		{"v6 source", call("GET", "/ping", "2001:db8::1"), true},
		{"v6 source outside", call("GET", "/ping", "2001:db9::1"), false},
		{"no conditions, any method", call("DELETE", "/static/a.css", ""), true},
		{"unknown path", Request{Method: "GET", MethodKnown: true}, false},
	} {
		if got := p.Public(tc.req); got != tc.want {
			t.Errorf("%s: Public(%+v) = %v, want %v", tc.name, tc.req, got, tc.want)
		}
	}
}

func TestRuleConditions(t *testing.T) {
	p, err := New(config.Authorization{Rules: []config.Rule{
		{Path: "/api", Methods: []string{"POST", "PUT", "DELETE"}, AllowedGroups: []string{"writers"}},
		{Path: "/api", AllowedGroups: []string{"readers"}},
		{Path: "/reports", Methods: []string{"GET"}, AllowedGroups: []string{"analysts"}},
		{Path: "/office", SourceIPs: []string{"10.0.0.0/8"}, AllowedGroups: []string{"staff"}},
		{Path: "/office", AllowedGroups: []string{"remote"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	user := func(groups ...string) *session.Session { return &session.Session{Subject: "u", Groups: groups} }
	for _, tc := range []struct {
		name string
		req  Request
		s    *session.Session
		want bool
	}{
		{"reader GETs", call("GET", "/api/x", ""), user("readers"), true},
		{"reader POSTs: writers rule", call("POST", "/api/x", ""), user("readers"), false},
		{"writer POSTs", call("POST", "/api/x", ""), user("writers"), true},
		{"writer GETs: readers rule", call("GET", "/api/x", ""), user("writers"), false},
		// Fail closed: every rule that might apply must pass.
		{"lowercase post: both rules", call("post", "/api/x", ""), user("writers"), false},
		{"lowercase post, both groups", call("post", "/api/x", ""), user("writers", "readers"), true},
		{"extension method: both rules", call("PURGE", "/api/x", ""), user("readers"), false},
		{"unknown method: both rules", call("?", "/api/x", ""), user("readers"), false},
		{"unknown method, both groups", call("?", "/api/x", ""), user("readers", "writers"), true},
		{"HEAD is governed like GET", call("HEAD", "/reports", ""), user(), false},
		{"GET reports", call("GET", "/reports", ""), user("analysts"), true},
		{"POST reports: rule does not govern", call("POST", "/reports", ""), user(), true},
		{"OPTIONS reports: rule does not govern", call("OPTIONS", "/reports", ""), user(), true},
		{"office from inside", call("GET", "/office", "10.1.1.1"), user("staff"), true},
		{"office from outside", call("GET", "/office", "192.0.2.9"), user("staff"), false},
		{"office from outside, remote", call("GET", "/office", "192.0.2.9"), user("remote"), true},
		{"office, unknown source: both", call("GET", "/office", ""), user("remote"), false},
		{"unknown path: every rule", Request{}, user("readers", "writers", "analysts", "staff"), false},
		{"unknown path: every rule passes", Request{}, user("readers", "writers", "analysts", "staff", "remote"), true},
	} {
		if got := p.Allows(tc.req, tc.s); got != tc.want {
			t.Errorf("%s: Allows(%+v, %v) = %v, want %v", tc.name, tc.req, tc.s.Groups, got, tc.want)
		}
	}
}

func TestStepUp(t *testing.T) {
	p, err := New(config.Authorization{Rules: []config.Rule{
		{Path: "/admin", ACRValues: []string{"mfa", "hwk"}},
		{Path: "/fresh", MaxAge: "5m"},
		{Path: "/now", MaxAge: "0s"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	const skew = 30 * time.Second
	for _, tc := range []struct {
		name     string
		path     string
		acr      string
		authTime time.Time
		want     bool // step-up required
	}{
		{"no rule", "/", "", time.Time{}, false},
		{"acr listed", "/admin", "hwk", time.Time{}, false},
		{"acr missing", "/admin", "", time.Time{}, true},
		{"acr lower", "/admin/users", "pwd", now, true},
		{"acr case differs", "/admin", "MFA", now, true},
		{"recent", "/fresh", "", now.Add(-5 * time.Minute), false},
		{"within skew", "/fresh", "", now.Add(-5*time.Minute - skew), false},
		{"old", "/fresh", "", now.Add(-5*time.Minute - skew - time.Second), true},
		{"no auth_time", "/fresh", "", time.Time{}, true},
		{"max_age 0 right after login", "/now", "", now.Add(-2 * time.Second), false},
		{"max_age 0 later", "/now", "", now.Add(-time.Minute), true},
	} {
		s := &session.Session{Subject: "u", ACR: tc.acr, AuthTime: tc.authTime}
		_, got := p.StepUp(at(tc.path), s, now, skew)
		if got != tc.want {
			t.Errorf("%s: StepUp required = %v, want %v", tc.name, got, tc.want)
		}
	}
	if u := p.LoginStepUp(at("/admin/x")); len(u.ACRValues) != 2 || u.HasMaxAge {
		t.Errorf("LoginStepUp(/admin/x) = %+v", u)
	}
	if u := p.LoginStepUp(at("/now")); !u.HasMaxAge || u.MaxAge != 0 {
		t.Errorf("LoginStepUp(/now) = %+v", u)
	}
	if u := p.LoginStepUp(at("/")); u.Required() {
		t.Errorf("LoginStepUp(/) = %+v, want nothing", u)
	}
}
