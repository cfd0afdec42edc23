package claims

import (
	"errors"
	"slices"

	"github.com/gatehouse/gatehouse/internal/session"
)

// ErrNoSubject: the claims have no usable sub; there is no identity.
var ErrNoSubject = errors.New("claims: no subject")

// The claims Session keeps in fields of its own. Groups is the merged list
// of the groups claims: "groups" in a header or policy means that list.
var (
	subRef    = Name("sub")
	emailRef  = Name("email")
	nameRef   = Name("name")
	puRef     = Name("preferred_username")
	groupsRef = Name("groups")
)

// Mapping says what a session keeps of a provider's claims: the standard
// claims, the merged groups, and in Extra every other reference that
// headers, policy or basic auth read. It is built once from the config.
type Mapping struct {
	groups []Ref
	keep   []Ref // not standard, deduplicated
}

// NewMapping builds a Mapping: groups are identity.groups_claims (empty:
// the "groups" claim alone), keep every other reference that is read from
// a session.
func NewMapping(groups []Ref, keep []Ref) *Mapping {
	m := &Mapping{groups: slices.Clone(groups)}
	if len(m.groups) == 0 {
		m.groups = []Ref{groupsRef}
	}
	for _, r := range keep {
		if !standard(r) && !slices.Contains(m.keep, r) {
			m.keep = append(m.keep, r)
		}
	}
	return m
}

// Roots are the top-level claims the mapping reads: what an ID token must
// hold, or userinfo supply, for the identity to be complete.
func (m *Mapping) Roots() []string {
	roots := []string{"sub", "email", "name", "preferred_username"}
	for _, r := range slices.Concat(m.groups, m.keep) {
		if !slices.Contains(roots, r.Root()) {
			roots = append(roots, r.Root())
		}
	}
	return roots
}

// Session maps a verified claim set to a session's identity (no id, no
// times). Extra holds each kept reference's value under its canonical
// spelling: scalars as text, arrays as their scalar elements; objects are
// never kept, since no header or policy can use one.
func (m *Mapping) Session(raw map[string]any) (*session.Session, error) {
	sub := text(raw, subRef)
	if sub == "" {
		return nil, ErrNoSubject
	}
	s := &session.Session{
		Subject:           sub,
		Email:             text(raw, emailRef),
		Name:              text(raw, nameRef),
		PreferredUsername: text(raw, puRef),
	}
	for _, r := range m.groups {
		v, _ := r.Lookup(raw)
		for _, g := range List(v) {
			if !slices.Contains(s.Groups, g) {
				s.Groups = append(s.Groups, g)
			}
		}
	}
	for _, r := range m.keep {
		v, ok := r.Lookup(raw)
		if !ok {
			continue
		}
		var kept any
		if items, isList := Items(v); isList {
			kept = slices.Clone(items)
		} else if t, isText := Text(v); isText {
			kept = t
		} else {
			continue // an object or null
		}
		if s.Extra == nil {
			s.Extra = map[string]any{}
		}
		s.Extra[r.String()] = kept
	}
	return s, nil
}

func text(raw map[string]any, r Ref) string {
	v, _ := r.Lookup(raw)
	t, _ := Text(v)
	return t
}

// standard reports whether r is kept in a field of Session.
func standard(r Ref) bool {
	switch r {
	case subRef, emailRef, nameRef, puRef, groupsRef:
		return true
	}
	return false
}

// Value is a reference's value in a session: a list (an array claim, or
// the groups) or one scalar's text. Objects never have a Value.
type Value struct {
	Text   string
	Items  []string
	IsList bool
	Found  bool
}

// Values are the texts a policy compares with: the items of a list, or the
// one text (see the package function Values).
func (v Value) Values() []string {
	switch {
	case !v.Found:
		return nil
	case v.IsList:
		return v.Items
	}
	return []string{v.Text}
}

// Get reads r from a session: the standard claims from their fields
// ("groups" is the merged groups), any other from Extra. A record written
// before references were paths kept a claim under its plain name; a
// top-level reference finds it there too. It allocates only to read a list
// that came back from the store as []any.
func Get(s *session.Session, r Ref) Value {
	switch r {
	case subRef:
		return scalar(s.Subject)
	case emailRef:
		return scalar(s.Email)
	case nameRef:
		return scalar(s.Name)
	case puRef:
		return scalar(s.PreferredUsername)
	case groupsRef:
		return Value{Items: s.Groups, IsList: true, Found: s.Groups != nil}
	}
	v, ok := s.Extra[r.text]
	if !ok {
		name, top := r.Top()
		if !top || name == r.text {
			return Value{}
		}
		if v, ok = s.Extra[name]; !ok {
			return Value{}
		}
	}
	if items, isList := Items(v); isList {
		return Value{Items: items, IsList: true, Found: true}
	}
	if t, isText := Text(v); isText {
		return scalar(t)
	}
	return Value{}
}

func scalar(s string) Value { return Value{Text: s, Found: s != ""} }
