package authz

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

func TestCleanPathRefusesDotSegmentsWithParameters(t *testing.T) {
	for _, in := range []string{
		"/public/..;/admin", "/public/..;x/admin", "/public/.;/admin", "/public/.;x/admin",
		"/public/%2e%2e;/admin", "/public/.%2e;x/admin", "/public/%2E%2E;/admin", "/public/%2e;/admin",
		"/public/..%3b/admin", "/public/..%3B/admin", "/public/;/../admin", "/public/;x/../admin",
		"/..;", "/public/..;jsessionid=1",
	} {
		got, err := CleanPath(in)
		if !errors.Is(err, ErrDotSegmentParams) || !errors.Is(err, ErrBadPath) {
			t.Errorf("CleanPath(%q) = %q, %v; want ErrDotSegmentParams (an ErrBadPath)", in, got, err)
		}
	}
	// Parameters on ordinary segments keep their meaning (a rule on /admin
	// still matches /admin;x), and dots inside a name are no dot segment.
	for in, want := range map[string]string{
		"/admin;jsessionid=x": "/admin;jsessionid=x",
		"/a;b/c":              "/a;b/c",
		"/...;x/admin":        "/...;x/admin",
		"/a..;/b":             "/a..;/b",
		"/file.;v=1":          "/file.;v=1",
	} {
		if got, err := CleanPath(in); err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestScriptPrefixes(t *testing.T) {
	p, err := New(config.Authorization{
		ScriptPrefixes: []string{"/index.php", "/app/run.php"},
		PublicPaths:    plain("/public-thing", "/"),
		Rules:          []config.Rule{{Path: "/admin", AllowedGroups: []string{"admins"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// "/" public would make everything public: use a second policy for Public.
	pub, err := New(config.Authorization{
		ScriptPrefixes: []string{"/index.php"},
		PublicPaths:    plain("/public-thing", "^/$"),
	})
	if err != nil {
		t.Fatal(err)
	}
	staff := &session.Session{Subject: "s", Groups: []string{"staff"}}
	admin := &session.Session{Subject: "a", Groups: []string{"admins"}}
	cases := []struct {
		path          string
		staff, public bool
	}{
		{"/admin", false, false},
		{"/index.php/admin", false, false},
		{"/index.php/admin/users", false, false},
		{"/app/run.php/admin", false, false},
		{"/INDEX.PHP/admin", false, false},          // another case: both readings must pass
		{"/Index.php/admin/x", false, false},        // likewise
		{"/index.php/index.php/admin", true, false}, // stripped once: PHP routes "index.php/admin"
		{"/index.phpx/admin", true, false},          // not at a segment boundary
		{"/x/index.php/admin", true, false},         // only at the start
		{"/index.php", true, true},                  // the script alone is "/"
		{"/", true, true},
		{"/index.php/public-thing", true, true},
		{"/index.php/public-thing/x", true, true},
		{"/public-thing", true, true},
		{"/INDEX.PHP/public-thing", true, false}, // public only if "/INDEX.PHP/public-thing" is too
		{"/index.php/other", true, false},
	}
	for _, tc := range cases {
		if got := p.Allows(at(tc.path), staff); got != tc.staff {
			t.Errorf("staff: Allows(%q) = %v, want %v", tc.path, got, tc.staff)
		}
		if !p.Allows(at(tc.path), admin) {
			t.Errorf("admin: Allows(%q) = false", tc.path)
		}
		if got := pub.Public(at(tc.path)); got != tc.public {
			t.Errorf("Public(%q) = %v, want %v", tc.path, got, tc.public)
		}
	}
}
