package identity

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/session"
)

// Header is one identity header to send upstream.
type Header struct {
	Name  string // canonical form
	Value string
}

// Mapper maps session claims to identity headers.
type Mapper struct {
	headers  []mapping // sorted by name so output is deterministic
	maxBytes int
}

type mapping struct {
	name  string
	claim string
}

// NewMapper builds a Mapper from header name -> claim name. maxBytes caps the
// total size of all identity header names and values: an upstream behind
// nginx or PHP answers 400/431 to a user in hundreds of groups otherwise.
func NewMapper(headers map[string]string, maxBytes int) *Mapper {
	m := &Mapper{maxBytes: maxBytes}
	for name, claim := range headers {
		m.headers = append(m.headers, mapping{name: http.CanonicalHeaderKey(name), claim: claim})
	}
	sort.Slice(m.headers, func(i, j int) bool { return m.headers[i].name < m.headers[j].name })
	return m
}

// Names are the configured header names.
func (m *Mapper) Names() []string {
	names := make([]string, len(m.headers))
	for i, h := range m.headers {
		names[i] = h.name
	}
	return names
}

// Headers returns the identity headers for s. List claims (groups) are
// comma-joined and trimmed from the end when the total would exceed the cap;
// truncated reports that this happened.
func (m *Mapper) Headers(s *session.Session) (out []Header, truncated bool) {
	return m.AppendHeaders(make([]Header, 0, len(m.headers)), s)
}

// AppendHeaders is Headers appending to dst, so that a caller with a buffer
// of its own (the request path) allocates no slice.
func (m *Mapper) AppendHeaders(dst []Header, s *session.Session) (out []Header, truncated bool) {
	out = dst
	budget := m.maxBytes
	for _, h := range m.headers {
		if _, ok := listClaim(s, h.claim); ok {
			continue // lists go last, below: they grow without bound
		}
		v := Sanitize(scalarClaim(s, h.claim))
		if v == "" {
			continue
		}
		if cost := len(h.name) + len(v); cost <= budget {
			budget -= cost
			out = append(out, Header{Name: h.name, Value: v})
		} else {
			truncated = true
		}
	}
	for _, h := range m.headers {
		items, ok := listClaim(s, h.claim)
		if !ok {
			continue
		}
		v, cut := joinWithin(items, budget-len(h.name))
		truncated = truncated || cut
		if v != "" {
			budget -= len(h.name) + len(v)
			out = append(out, Header{Name: h.name, Value: v})
		}
	}
	return out, truncated
}

// joinWithin comma-joins the sanitised items, stopping before the result would
// exceed room bytes.
func joinWithin(items []string, room int) (joined string, cut bool) {
	switch len(items) {
	case 0:
		return "", false
	case 1:
		// One item needs no copy.
		item := strings.TrimSpace(Sanitize(items[0]))
		if len(item) > room {
			return "", item != ""
		}
		return item, false
	}
	var b strings.Builder
	size := len(items) - 1 // an upper bound: one allocation for typical lists
	for _, item := range items {
		size += len(item)
	}
	b.Grow(min(size, max(room, 0)))
	for _, item := range items {
		item = strings.TrimSpace(Sanitize(item))
		if item == "" {
			continue
		}
		extra := len(item)
		if b.Len() > 0 {
			extra++
		}
		if b.Len()+extra > room {
			return b.String(), true
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	return b.String(), false
}

func scalarClaim(s *session.Session, claim string) string {
	switch claim {
	case "sub":
		return s.Subject
	case "email":
		return s.Email
	case "name":
		return s.Name
	case "preferred_username":
		return s.PreferredUsername
	}
	return Format(s.Extra[claim])
}

func listClaim(s *session.Session, claim string) ([]string, bool) {
	if claim == "groups" {
		return s.Groups, true
	}
	switch v := s.Extra[claim].(type) {
	case []string:
		return v, true
	case []any:
		items := make([]string, 0, len(v))
		for _, item := range v {
			items = append(items, Format(item))
		}
		return items, true
	}
	return nil, false
}

// Format renders a scalar claim value as text.
func Format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// Sanitize removes every control character (CR, LF, NUL, DEL, tab ...) so no
// claim can split or smuggle a header, whatever the provider put in it.
func Sanitize(v string) string {
	clean := true
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 0x20 && c != 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}
