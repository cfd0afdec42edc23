package claims

import (
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, refuses with a SyntaxError only, and a
// parsed reference's canonical spelling reads back as the same reference
// with the same names.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"email", "realm_access.roles", `["https://example.com/roles"]`, `a["b.c"].d`,
		`["\""]`, "a..b", `a["b"`, `["\u00e9"]`, "cognito:groups", `[""]`, "a.", `a.["b"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v is not ErrSyntax", s, err)
			}
			return
		}
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", r.String(), s, err)
		}
		if again != r || len(again.Names()) != len(r.Names()) {
			t.Fatalf("canonical %q of %q reads as another reference", r.String(), s)
		}
		for _, n := range r.Names() {
			if n == "" {
				t.Fatalf("Parse(%q) has an empty name", s)
			}
		}
	})
}
