package proxy

import (
	"slices"
	"testing"
)

// TestNeededClaims: what oidc.userinfo auto looks for in an ID token is the
// root of every claim the headers, the policy and the groups read, however
// the reference is spelled.
func TestNeededClaims(t *testing.T) {
	standard := []string{"sub", "email", "name", "preferred_username"}
	cases := []struct {
		name string
		env  []string
		want []string
	}{
		{name: "defaults", want: []string{"groups"}},
		{name: "nested and bracketed references", env: []string{
			`GATEHOUSE_IDENTITY_HEADERS=X-Roles=realm_access.roles,X-Auth0=["https://example.com/roles"],X-Dept=department`,
		}, want: []string{"groups", "realm_access", "https://example.com/roles", "department"}},
		{name: "groups claims", env: []string{"GATEHOUSE_IDENTITY_GROUPS_CLAIMS=roles,resource_access.app.roles"},
			want: []string{"roles", "resource_access"}},
		{name: "policy", env: []string{"GATEHOUSE_AUTHORIZATION_REQUIRED_CLAIMS=email_verified=true"},
			want: []string{"groups", "email_verified"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := newUnit(t, tc.env...).h.NeededClaims()
			for _, name := range append(slices.Clone(standard), tc.want...) {
				if !slices.Contains(got, name) {
					t.Errorf("NeededClaims() = %q, lacks %q", got, name)
				}
			}
			if len(got) != len(standard)+len(tc.want) {
				t.Errorf("NeededClaims() = %q, want exactly %q and %q", got, standard, tc.want)
			}
		})
	}
}
