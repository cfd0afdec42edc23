package claims

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every error of Parse.
var ErrSyntax = errors.New("claims: malformed claim path")

// SyntaxError says what is wrong with a reference. Its text is
// `claim path "a..b": empty segment`; config prefixes the key.
type SyntaxError struct {
	Path    string
	Problem string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("claim path %q: %s", e.Path, e.Problem) }

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Ref is a parsed claim reference: the names to follow from the top-level
// claim set down through nested objects. The zero Ref refers to nothing.
// Refs are comparable; two spellings of one path ("groups" and
// `["groups"]`) are equal.
type Ref struct {
	names string // the names joined by "\x00" (comparable, no slice)
	text  string // canonical form
}

// nameSep joins the names inside a Ref: a byte no name may hold (Parse
// refuses control characters in bare names, and a quoted name with one is
// refused too).
const nameSep = "\x00"

// Parse reads a claim reference (see the package documentation).
func Parse(s string) (Ref, error) {
	fail := func(format string, args ...any) (Ref, error) {
		return Ref{}, &SyntaxError{Path: s, Problem: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(s) == "" {
		return fail("is empty")
	}
	var names []string
	rest := s
	for first := true; ; first = false {
		var name string
		switch {
		case strings.HasPrefix(rest, "["):
			end, problem := closingBracket(rest)
			if problem != "" {
				return fail("%s", problem)
			}
			if err := json.Unmarshal([]byte(rest[1:end]), &name); err != nil {
				return fail("%s is not a JSON string", rest[1:end])
			}
			if name == "" {
				return fail("empty name in brackets")
			}
			if strings.ContainsFunc(name, unicode.IsControl) {
				return fail("a name holds a control character")
			}
			rest = rest[end+1:]
		default:
			if !first {
				// After a name: "." and a bare name, or a bracketed name.
				if !strings.HasPrefix(rest, ".") {
					return fail("expected \".\" or \"[\" after a name, not %q", rest[:1])
				}
				rest = rest[1:]
				if strings.HasPrefix(rest, "[") {
					return fail(`"." before "[": write a["b"], not a.["b"]`)
				}
			}
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			name = rest[:end]
			if name == "" {
				return fail("empty segment")
			}
			if r, bad := badBareRune(name); bad {
				if strings.Contains(s, "://") || r == '/' {
					return fail("%q cannot be in a bare name: write a name with \"/\" or \".\" in brackets, such as [%q]", r, s)
				}
				return fail("%q cannot be in a bare name: write the name in brackets, such as [%q]", r, name)
			}
			rest = rest[end:]
		}
		names = append(names, name)
		if rest == "" {
			break
		}
	}
	return newRef(names), nil
}

// MustParse is Parse for references known to be valid (validated config,
// tests); it panics otherwise.
func MustParse(s string) Ref {
	r, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Name is the reference to the top-level claim name, whatever it holds.
func Name(name string) Ref { return newRef([]string{name}) }

func newRef(names []string) Ref {
	var b strings.Builder
	for i, n := range names {
		if bareName(n) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(n)
			continue
		}
		b.WriteByte('[')
		b.WriteString(quote(n))
		b.WriteByte(']')
	}
	return Ref{names: strings.Join(names, nameSep), text: b.String()}
}

// String is the canonical spelling: bare names where they may be bare,
// brackets otherwise. Sessions store values under it.
func (r Ref) String() string { return r.text }

// IsZero reports whether r is the zero Ref.
func (r Ref) IsZero() bool { return r.text == "" }

// Names are the names r follows, outermost first.
func (r Ref) Names() []string {
	if r.names == "" {
		return nil
	}
	return strings.Split(r.names, nameSep)
}

// Root is the top-level claim r starts at: the claim a provider must send
// for r to have a value.
func (r Ref) Root() string {
	root, _, _ := strings.Cut(r.names, nameSep)
	return root
}

// Top reports whether r names a top-level claim, and which.
func (r Ref) Top() (string, bool) {
	if r.names == "" || strings.Contains(r.names, nameSep) {
		return "", false
	}
	return r.names, true
}

// Lookup follows r through claims, a decoded claim set whose objects are
// map[string]any. It reports false when a name is missing or a value on
// the way is not an object.
func (r Ref) Lookup(claims map[string]any) (any, bool) {
	if r.names == "" {
		return nil, false
	}
	cur := claims
	rest := r.names
	for {
		name, more, deeper := strings.Cut(rest, nameSep)
		v, ok := cur[name]
		if !ok {
			return nil, false
		}
		if !deeper {
			return v, true
		}
		if cur, ok = v.(map[string]any); !ok {
			return nil, false
		}
		rest = more
	}
}

// closingBracket returns the index of the "]" that ends the bracketed name
// at the start of s: after a JSON string, so a "]" inside quotes does not
// count.
func closingBracket(s string) (int, string) {
	if len(s) < 2 || s[1] != '"' {
		return 0, `expected a quoted name after "[", such as ["https://example.com/roles"]`
	}
	for i := 2; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			if i+1 >= len(s) || s[i+1] != ']' {
				return 0, `expected "]" after the quoted name`
			}
			return i + 1, ""
		}
	}
	return 0, `unterminated quoted name: expected '"]'`
}

// badBareRune returns the first rune a bare name may not hold.
func badBareRune(name string) (rune, bool) {
	for _, r := range name {
		if !bareRune(r) {
			return r, true
		}
	}
	if !utf8.ValidString(name) {
		return utf8.RuneError, true
	}
	return 0, false
}

func bareRune(r rune) bool {
	switch r {
	case '.', '[', ']', '"', '\'', '\\', '/', utf8.RuneError:
		return false
	}
	return !unicode.IsSpace(r) && !unicode.IsControl(r)
}

func bareName(name string) bool {
	_, bad := badBareRune(name)
	return name != "" && !bad
}

// quote writes name as a JSON string, without HTML escaping (a "&" in a
// claim name stays readable).
func quote(name string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(name)
	return strings.TrimSuffix(b.String(), "\n")
}
