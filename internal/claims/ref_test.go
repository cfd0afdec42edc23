package claims

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in    string
		names []string
		canon string
	}{
		{"email", []string{"email"}, "email"},
		{"realm_access.roles", []string{"realm_access", "roles"}, "realm_access.roles"},
		{"resource_access.gatehouse.roles", []string{"resource_access", "gatehouse", "roles"}, "resource_access.gatehouse.roles"},
		{"cognito:groups", []string{"cognito:groups"}, "cognito:groups"},
		{`["https://example.com/roles"]`, []string{"https://example.com/roles"}, `["https://example.com/roles"]`},
		{`resource_access["my.app"].roles`, []string{"resource_access", "my.app", "roles"}, `resource_access["my.app"].roles`},
		{`a["b"]["c"]`, []string{"a", "b", "c"}, "a.b.c"},
		{`["groups"]`, []string{"groups"}, "groups"},
		{`["a]b"]`, []string{"a]b"}, `["a]b"]`},
		{`["quote \" and \\ backslash"]`, []string{`quote " and \ backslash`}, `["quote \" and \\ backslash"]`},
		{`["x&y"]`, []string{"x&y"}, "x&y"},
		{`["a<b>/c"]`, []string{"a<b>/c"}, `["a<b>/c"]`},
		{`["a b"].c`, []string{"a b", "c"}, `["a b"].c`},
		{"ünïcode.名前", []string{"ünïcode", "名前"}, "ünïcode.名前"},
		{"$-_:@+", []string{"$-_:@+"}, "$-_:@+"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			r, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.Names(); !slices.Equal(got, tc.names) {
				t.Errorf("Names = %q, want %q", got, tc.names)
			}
			if r.String() != tc.canon {
				t.Errorf("String = %s, want %s", r.String(), tc.canon)
			}
			if r.Root() != tc.names[0] {
				t.Errorf("Root = %q", r.Root())
			}
			// The canonical spelling reads back as the same reference.
			if again := MustParse(r.String()); again != r {
				t.Errorf("canonical %s parses to %+v, not %+v", r.String(), again, r)
			}
		})
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	cases := []struct{ in, problem string }{
		{"", "is empty"},
		{"  ", "is empty"},
		{"a..b", "empty segment"},
		{".a", "empty segment"},
		{"a.", "empty segment"},
		{"a[", `expected a quoted name after "["`},
		{"a[b]", `expected a quoted name after "["`},
		{`a["b"`, `expected "]" after the quoted name`},
		{`a["b`, `unterminated quoted name`},
		{`a["b"x]`, `expected "]" after the quoted name`},
		{`a["b"]c`, `expected "." or "[" after a name, not "c"`},
		{`a.["b"]`, `write a["b"], not a.["b"]`},
		{`[""]`, "empty name in brackets"},
		{`["\u0000"]`, "control character"},
		{`["\x"]`, "is not a JSON string"},
		{"a b", `' ' cannot be in a bare name: write the name in brackets, such as ["a b"]`},
		{"a]", `']' cannot be in a bare name`},
		{`a"b`, `'"' cannot be in a bare name`},
		{"a\nb", `'\n' cannot be in a bare name`},
		{"https://example.com/roles", `'/' cannot be in a bare name: write a name with "/" or "." in brackets, such as ["https://example.com/roles"]`},
		{"a\\.b", `'\\' cannot be in a bare name`},
		{"a\xffb", `cannot be in a bare name`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) || se.Path != tc.in {
				t.Fatalf("error %v (%T) is not a SyntaxError for the path", err, err)
			}
			if !strings.HasPrefix(err.Error(), "claim path ") || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("error %q, want it to say %q", err, tc.problem)
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse("a..b")
	if err == nil || err.Error() != `claim path "a..b": empty segment` {
		t.Fatalf("error = %v", err)
	}
}

func TestLookup(t *testing.T) {
	raw := map[string]any{
		"sub":                       "alice",
		"realm_access":              map[string]any{"roles": []any{"admin", "user"}},
		"resource_access":           map[string]any{"my.app": map[string]any{"roles": []any{"editor"}}},
		"https://example.com/roles": []any{"auth0-admin"},
		"realm_access.roles":        "a top-level claim whose name has a dot",
		"scalar":                    "x",
	}
	cases := []struct {
		ref  string
		want any
		ok   bool
	}{
		{"sub", "alice", true},
		{"realm_access.roles", []any{"admin", "user"}, true},
		{`["realm_access.roles"]`, "a top-level claim whose name has a dot", true},
		{`resource_access["my.app"].roles`, []any{"editor"}, true},
		{`["https://example.com/roles"]`, []any{"auth0-admin"}, true},
		{"missing", nil, false},
		{"realm_access.missing", nil, false},
		{"scalar.deeper", nil, false},
		{"realm_access.roles.deeper", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.ref, func(t *testing.T) {
			got, ok := MustParse(tc.ref).Lookup(raw)
			if ok != tc.ok || !equalJSON(got, tc.want) {
				t.Errorf("Lookup = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := (Ref{}).Lookup(raw); ok {
		t.Error("the zero Ref found a value")
	}
}

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		name string
		top  bool
	}{
		{"groups", "groups", true},
		{`["https://example.com/roles"]`, "https://example.com/roles", true},
		{"realm_access.roles", "", false},
	} {
		name, top := MustParse(tc.ref).Top()
		if name != tc.name || top != tc.top {
			t.Errorf("%s: Top = %q, %v", tc.ref, name, top)
		}
	}
}

func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, equalJSON)
	}
	return a == b
}
