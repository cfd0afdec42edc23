package identity

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Header is one identity header to send upstream.
type Header struct {
	Name  string // canonical form
	Value string
}

// Mapper maps session claims to identity headers.
type Mapper struct {
	static   []Header  // identity.static_headers, sorted by name
	headers  []mapping // sorted by name so output is deterministic
	maxBytes int
}

type mapping struct {
	name string
	ref  claims.Ref
}

// MapperOptions configure a Mapper.
type MapperOptions struct {
	// Headers maps a header name to a claim reference (identity.headers).
	Headers map[string]string
	// Static maps a header name to a fixed value (identity.static_headers),
	// sent first and counted in MaxBytes.
	Static map[string]string
	// MaxBytes caps the total size of all identity header names and values:
	// an upstream behind nginx or PHP answers 400/431 to a user in hundreds
	// of groups otherwise.
	MaxBytes int
}

// NewMapper builds a Mapper; a claim reference that does not parse is an
// error (config validation refuses it first).
func NewMapper(o MapperOptions) (*Mapper, error) {
	m := &Mapper{maxBytes: o.MaxBytes}
	for name, claim := range o.Headers {
		ref, err := claims.Parse(claim)
		if err != nil {
			return nil, fmt.Errorf("identity.headers.%s: %w", name, err)
		}
		m.headers = append(m.headers, mapping{name: http.CanonicalHeaderKey(name), ref: ref})
	}
	for name, value := range o.Static {
		m.static = append(m.static, Header{Name: http.CanonicalHeaderKey(name), Value: Sanitize(value)})
	}
	sort.Slice(m.headers, func(i, j int) bool { return m.headers[i].name < m.headers[j].name })
	sort.Slice(m.static, func(i, j int) bool { return m.static[i].Name < m.static[j].Name })
	return m, nil
}

// Refs are the claim references the headers read, in header name order.
func (m *Mapper) Refs() []claims.Ref {
	refs := make([]claims.Ref, len(m.headers))
	for i, h := range m.headers {
		refs[i] = h.ref
	}
	return refs
}

// Names are the configured header names, static ones included: every name
// a client's copy of must be removed.
func (m *Mapper) Names() []string {
	names := make([]string, 0, len(m.static)+len(m.headers))
	for _, h := range m.static {
		names = append(names, h.Name)
	}
	for _, h := range m.headers {
		names = append(names, h.name)
	}
	return names
}

// Headers returns the identity headers for s. List claims (groups) are
// comma-joined and trimmed from the end when the total would exceed the cap;
// truncated reports that this happened.
func (m *Mapper) Headers(s *session.Session) (out []Header, truncated bool) {
	return m.AppendHeaders(make([]Header, 0, len(m.static)+len(m.headers)), s)
}

// AppendHeaders is Headers appending to dst, so that a caller with a buffer
// of its own (the request path) allocates no slice. Static headers come
// first (config keeps them within half the cap), then scalar claims, then
// lists, which grow without bound and are trimmed. Objects never become a
// header.
func (m *Mapper) AppendHeaders(dst []Header, s *session.Session) (out []Header, truncated bool) {
	out = dst
	budget := m.maxBytes
	for _, h := range m.static {
		budget -= len(h.Name) + len(h.Value)
		out = append(out, h)
	}
	for _, h := range m.headers {
		v := claims.Get(s, h.ref)
		if v.IsList {
			continue // lists go last, below
		}
		text := Sanitize(v.Text)
		if text == "" {
			continue
		}
		if cost := len(h.name) + len(text); cost <= budget {
			budget -= cost
			out = append(out, Header{Name: h.name, Value: text})
		} else {
			truncated = true
		}
	}
	for _, h := range m.headers {
		v := claims.Get(s, h.ref)
		if !v.IsList {
			continue
		}
		joined, cut := joinWithin(v.Items, budget-len(h.name))
		truncated = truncated || cut
		if joined != "" {
			budget -= len(h.name) + len(joined)
			out = append(out, Header{Name: h.name, Value: joined})
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
