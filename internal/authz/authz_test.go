package authz

import (
	"errors"
	"slices"
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
	if got := p.Refs(); len(got) != 1 || got[0].String() != "email_verified" {
		t.Errorf("Refs() = %v", got)
	}
}

// TestRequiredClaimPaths: required_claims read nested and URL-named claims
// through their reference, compare as text, match one element of a list,
// and never split a string.
func TestRequiredClaimPaths(t *testing.T) {
	p, err := New(config.Authorization{
		Rules: []config.Rule{
			{Path: "/admin", RequiredClaims: map[string]string{"realm_access.roles": "admin"}},
			{Path: "/auth0", RequiredClaims: map[string]string{`["https://example.com/roles"]`: "editor"}},
			{Path: "/name", RequiredClaims: map[string]string{"name": "John"}},
			{Path: "/level", RequiredClaims: map[string]string{"level": "3"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := &session.Session{Subject: "a", Name: "Smith, John", Extra: map[string]any{
		"realm_access.roles": []any{"user", "admin"}, `["https://example.com/roles"]`: []any{"editor"}, "level": 3.0,
	}}
	user := &session.Session{Subject: "u", Extra: map[string]any{
		"realm_access.roles": []any{"user"}, "https://example.com/roles": []any{"viewer"},
	}}
	// A record of an older version: the URL-named claim under its plain name.
	oldEditor := &session.Session{Subject: "o", Extra: map[string]any{"https://example.com/roles": []any{"editor"}}}
	cases := []struct {
		path string
		s    *session.Session
		want bool
	}{
		{"/admin", admin, true},
		{"/admin", user, false},
		{"/admin", &session.Session{Subject: "x", Extra: map[string]any{"realm_access": map[string]any{"roles": []any{"admin"}}}}, false},
		{"/auth0", admin, true},
		{"/auth0", user, false},
		{"/auth0", oldEditor, true},
		{"/name", admin, false},
		{"/level", admin, true},
	}
	for _, tc := range cases {
		if got := p.Allows(at(tc.path), tc.s); got != tc.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", tc.path, tc.s.Subject, got, tc.want)
		}
	}
	if got := p.Claims(); !slices.Equal(got, []string{"https://example.com/roles", "level", "name", "realm_access"}) {
		t.Errorf("Claims() = %q, want the top-level claims read", got)
	}
	if _, err := New(config.Authorization{RequiredClaims: map[string]string{"a..b": "x"}}); err == nil ||
		err.Error() != `authorization.required_claims: claim path "a..b": empty segment` {
		t.Errorf("New with a bad path = %v", err)
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
