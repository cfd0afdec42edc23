package authz

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

func TestCleanPath(t *testing.T) {
	cases := []struct {
		in, want string
		bad      bool
	}{
		{in: "/admin", want: "/admin"},
		{in: "/%61dmin", want: "/admin"},
		{in: "//admin", want: "/admin"},
		{in: "/./admin", want: "/admin"},
		{in: "/public/../admin", want: "/admin"},
		{in: "/public/%2e%2e/admin", want: "/admin"},
		{in: "/public%23/../admin", want: "/admin"},
		{in: "/admin/", want: "/admin"},
		{in: "", want: "/"},
		{in: "/public%2F..%2Fadmin", bad: true},
		{in: "/public%2f..", bad: true},
		{in: "/a%5cb", bad: true},
		{in: "/a\\..\\admin", bad: true},
		{in: "/a%00", bad: true},
		{in: "/a%0d%0a", bad: true},
		{in: "/a%zz", bad: true},
		{in: "/admin#/public", bad: true},
	}
	for _, tc := range cases {
		got, err := CleanPath(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrBadPath) {
				t.Errorf("CleanPath(%q) = %q, %v; want ErrBadPath", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p, err := New(config.Authorization{
		AllowedEmailDomains: []string{"example.gov", "*.agency.gov"},
		AllowedEmails:       []string{"Guest@Partner.com"},
		RequiredClaims:      map[string]string{"email_verified": "true"},
		PublicPaths:         plain("/public", "^/api/v[0-9]+/health$"),
		Rules: []config.Rule{
			{Path: "/admin", AllowedGroups: []string{"admins"}},
			{Path: "^/reports/", AllowedEmails: []string{"boss@example.gov"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	user := func(email string, groups ...string) *session.Session {
		return &session.Session{Subject: "s", Email: email, Groups: groups, Extra: map[string]any{"email_verified": true}}
	}
	cases := []struct {
		name string
		path string
		s    *session.Session
		want bool
	}{
		{"domain", "/", user("u@example.gov"), true},
		{"domain case", "/", user("U@EXAMPLE.GOV"), true},
		{"listed email case", "/", user("guest@partner.COM"), true},
		{"other email at listed domain's sibling", "/", user("other@partner.com"), false},
		{"suffix attack", "/", user("u@evil-example.gov"), false},
		{"appended domain", "/", user("u@example.gov.evil.com"), false},
		{"two @", "/", user("a@evil.com@example.gov"), false},
		{"wildcard subdomain", "/", user("u@x.agency.gov"), true},
		{"wildcard apex", "/", user("u@agency.gov"), false},
		{"wildcard suffix attack", "/", user("u@evilagency.gov"), false},
		{"claim missing", "/", &session.Session{Email: "u@example.gov"}, false},
		{"claim false", "/", &session.Session{Email: "u@example.gov", Extra: map[string]any{"email_verified": false}}, false},
		{"admin rule", "/admin/x", user("u@example.gov", "admins"), true},
		{"admin rule no group", "/admin", user("u@example.gov", "staff"), false},
		{"admin rule semicolon", "/admin;x", user("u@example.gov", "staff"), false},
		{"administrator is not admin", "/administrator", user("u@example.gov", "staff"), true},
		{"regex rule", "/reports/1", user("u@example.gov"), false},
		{"regex rule listed", "/reports/1", user("BOSS@example.gov"), true},
	}
	for _, tc := range cases {
		if got := p.Allows(at(tc.path), tc.s); got != tc.want {
			t.Errorf("%s: Allows(%q, %q) = %v, want %v", tc.name, tc.path, tc.s.Email, got, tc.want)
		}
	}
	for path, want := range map[string]bool{
		"/public": true, "/public/x": true, "/publicity": false, "/api/v2/health": true,
		"/api/v2/health/x": false, "/x/public": false,
	} {
		if got := p.Public(at(path)); got != want {
			t.Errorf("Public(%q) = %v, want %v", path, got, want)
		}
	}
	if p.AllowsEverywhere(user("u@example.gov", "admins")) {
		t.Error("AllowsEverywhere must require every rule")
	}
	if got := p.Claims(); len(got) != 1 || got[0] != "email_verified" {
		t.Errorf("Claims() = %v", got)
	}
}

func TestEmptyPolicyAllowsAnyUser(t *testing.T) {
	p, err := New(config.Authorization{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Allows(at("/admin"), &session.Session{Subject: "x"}) || p.Public(at("/")) {
		t.Error("an empty policy must allow every logged-in user and make nothing public")
	}
}
