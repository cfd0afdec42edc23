package server

import (
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestNeededClaims(t *testing.T) {
	cases := []struct {
		name string
		cfg  config.Config
		want []string
	}{
		{name: "nothing read but sub", want: []string{"sub"}},
		{name: "assertion on", cfg: config.Config{Identity: config.Identity{Assertion: config.Assertion{Enabled: true}}},
			want: []string{"email", "groups", "name", "preferred_username", "sub"}},
		{name: "headers, paths by their first segment", cfg: config.Config{Identity: config.Identity{Headers: map[string]string{
			"X-User": "sub", "X-Roles": "realm_access.roles", "X-Dept": "department"}}},
			want: []string{"department", "realm_access", "sub"}},
		{name: "policy", cfg: config.Config{Authorization: config.Authorization{
			AllowedEmailDomains: []string{"example.com"},
			RequiredClaims:      map[string]string{"email_verified": "true"},
			Rules:               []config.Rule{{Path: "/admin", AllowedGroups: []string{"admins"}}},
		}}, want: []string{"email", "email_verified", "groups", "sub"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := neededClaims(&tc.cfg); !slices.Equal(got, tc.want) {
				t.Errorf("neededClaims = %q, want %q", got, tc.want)
			}
		})
	}
}
