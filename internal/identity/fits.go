package identity

import (
	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/session"
)

// CheckFits reports (as ErrIdentityTooLarge) a scalar claim that
// AppendHeaders would have to leave out: together with the scalar headers
// before it, it exceeds the cap. Lists (groups) are trimmed instead and never
// cause an error. Asked at login, like Asserter.CheckFits: a header silently
// missing (X-Forwarded-User, say) would make the app see another identity.
func (m *Mapper) CheckFits(s *session.Session) error {
	budget := m.maxBytes
	for _, h := range m.static {
		budget -= len(h.Name) + len(h.Value)
	}
	for _, h := range m.headers {
		v := claims.Get(s, h.ref)
		if v.IsList {
			continue
		}
		text := Sanitize(v.Text)
		if text == "" {
			continue
		}
		cost := len(h.name) + len(text)
		if cost > budget {
			return tooLarge(h.ref.String(), "header "+h.name, m.maxBytes)
		}
		budget -= cost
	}
	return nil
}
