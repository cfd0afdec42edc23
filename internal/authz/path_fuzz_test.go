package authz

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

// FuzzCleanPath: a path CleanPath accepts is absolute, clean, free of dot
// segments, and stable: escaping it and cleaning it again gives it back, so
// policy and upstream can never read it two ways.
func FuzzCleanPath(f *testing.F) {
	for _, seed := range []string{
		"/", "/admin", "/%61dmin", "//admin", "/./admin", "/public/../admin", "/public/%2e%2e/admin",
		"/a%2fb", "/a\\b", "/a%5cb", "/a#b", "/a%23b", "/%zz", "/%00", "relative/../x", "/a;b/..;/c",
		"/%252e%252e/admin", "/.%2e/admin", "/%2e/", "/\u00e9t\u00e9",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanPath(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("CleanPath(%q) = %q is not absolute", in, out)
		}
		if path.Clean(out) != out {
			t.Fatalf("CleanPath(%q) = %q cleans again to %q", in, out, path.Clean(out))
		}
		for _, seg := range strings.Split(out, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("CleanPath(%q) = %q has a dot segment", in, out)
			}
		}
		again, err := CleanPath((&url.URL{Path: out}).EscapedPath())
		if err != nil || again != out {
			t.Fatalf("CleanPath(%q) = %q, but escaped and cleaned again it is %q (%v)", in, out, again, err)
		}
	})
}
