package claims

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/session"
)

func refs(ss ...string) []Ref {
	out := make([]Ref, len(ss))
	for i, s := range ss {
		out[i] = MustParse(s)
	}
	return out
}

// keycloak is what Keycloak, Auth0 and a bridge send, mixed into one set.
func keycloak() map[string]any {
	return map[string]any{
		"sub": "u-1", "email": "alice@example.com", "name": "Alice", "preferred_username": "alice",
		"email_verified":            "true",
		"groups":                    "staff, ops",
		"realm_access":              map[string]any{"roles": []any{"admin", "staff"}},
		"resource_access":           map[string]any{"gatehouse": map[string]any{"roles": []any{"editor"}}},
		"https://example.com/roles": []any{"auth0-role"},
		"tenant":                    "t-9",
		"level":                     3.0,
		"address":                   map[string]any{"country": "NL"},
	}
}

func TestMappingSession(t *testing.T) {
	m := NewMapping(refs("groups", "realm_access.roles", `["https://example.com/roles"]`),
		refs("sub", "groups", "tenant", "level", "resource_access.gatehouse.roles", "address", "missing", "tenant"))
	s, err := m.Session(keycloak())
	if err != nil {
		t.Fatal(err)
	}
	if s.Subject != "u-1" || s.Email != "alice@example.com" || s.Name != "Alice" || s.PreferredUsername != "alice" {
		t.Errorf("standard claims: %+v", s)
	}
	// Merged in order, de-duplicated (staff is in two claims).
	if want := []string{"staff", "ops", "admin", "auth0-role"}; !slices.Equal(s.Groups, want) {
		t.Errorf("Groups = %q, want %q", s.Groups, want)
	}
	want := map[string]any{"tenant": "t-9", "level": "3", "resource_access.gatehouse.roles": []string{"editor"}}
	if len(s.Extra) != len(want) {
		t.Errorf("Extra = %v, want %v", s.Extra, want)
	}
	for k, v := range want {
		got, _ := json.Marshal(s.Extra[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("Extra[%s] = %s, want %s", k, got, exp)
		}
	}
}

func TestMappingDefaultGroups(t *testing.T) {
	s, err := NewMapping(nil, nil).Session(map[string]any{"sub": "u", "groups": []any{"a", "b"}})
	if err != nil || !slices.Equal(s.Groups, []string{"a", "b"}) {
		t.Fatalf("Session = %+v, %v", s, err)
	}
}

func TestMappingNeedsSubject(t *testing.T) {
	for _, raw := range []map[string]any{{}, {"sub": ""}, {"sub": map[string]any{}}, {"sub": []any{"a"}}} {
		if _, err := NewMapping(nil, nil).Session(raw); !errors.Is(err, ErrNoSubject) {
			t.Errorf("Session(%v) = %v, want ErrNoSubject", raw, err)
		}
	}
}

func TestRoots(t *testing.T) {
	m := NewMapping(refs("realm_access.roles"), refs(`["https://example.com/roles"]`, "realm_access.x", "email"))
	want := []string{"sub", "email", "name", "preferred_username", "realm_access", "https://example.com/roles"}
	if got := m.Roots(); !slices.Equal(got, want) {
		t.Errorf("Roots = %q, want %q", got, want)
	}
}

func TestGet(t *testing.T) {
	m := NewMapping(refs("realm_access.roles"), refs("tenant", "resource_access.gatehouse.roles", `["https://example.com/roles"]`))
	s, err := m.Session(keycloak())
	if err != nil {
		t.Fatal(err)
	}
	// Through the store: lists come back as []any.
	b, _ := json.Marshal(s)
	var stored session.Session
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	// A record of an older version: claims kept under their plain names.
	old := &session.Session{Subject: "u-2", Extra: map[string]any{
		"https://example.com/roles": []any{"old-role"}, "tenant": "t-old",
	}}
	cases := []struct {
		s      *session.Session
		ref    string
		values []string
		list   bool
	}{
		{s, "sub", []string{"u-1"}, false},
		{s, "groups", []string{"admin", "staff"}, true},
		{&stored, "groups", []string{"admin", "staff"}, true},
		{&stored, "tenant", []string{"t-9"}, false},
		{&stored, "resource_access.gatehouse.roles", []string{"editor"}, true},
		{&stored, `["https://example.com/roles"]`, []string{"auth0-role"}, true},
		{&stored, "missing", nil, false},
		{&stored, "email", []string{"alice@example.com"}, false},
		{&stored, "name", []string{"Alice"}, false},
		{&stored, "preferred_username", []string{"alice"}, false},
		{old, `["https://example.com/roles"]`, []string{"old-role"}, true},
		{old, "tenant", []string{"t-old"}, false},
		{old, "email", nil, false},
	}
	for _, tc := range cases {
		v := Get(tc.s, MustParse(tc.ref))
		if !slices.Equal(v.Values(), tc.values) || v.IsList != tc.list || v.Found != (tc.values != nil) {
			t.Errorf("%s of %s: %+v, want %q (list %v)", tc.ref, tc.s.Subject, v, tc.values, tc.list)
		}
	}
}
