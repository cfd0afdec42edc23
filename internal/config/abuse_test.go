package config

import (
	"strings"
	"testing"
)

func TestLoginRateAndForwardAuthKeys(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string // "" means valid
	}{
		{"defaults", nil, ""},
		{"off", map[string]string{"GATEHOUSE_SERVER_LOGIN_RATE_LIMIT": "0", "GATEHOUSE_SERVER_LOGIN_RATE_BURST": "0"}, ""},
		{"negative rate", map[string]string{"GATEHOUSE_SERVER_LOGIN_RATE_LIMIT": "-1"}, "server.login_rate_limit: must not be negative"},
		{"negative burst", map[string]string{"GATEHOUSE_SERVER_LOGIN_RATE_BURST": "-3"}, "server.login_rate_burst: must not be negative"},
		{"rate without burst", map[string]string{"GATEHOUSE_SERVER_LOGIN_RATE_BURST": "0"}, "server.login_rate_burst: must be at least 1"},
		{"not a number", map[string]string{"GATEHOUSE_SERVER_LOGIN_RATE_LIMIT": "fast"}, "server.login_rate_limit"},
		{"forward auth on", map[string]string{"GATEHOUSE_FORWARD_AUTH_ENABLED": "true"}, ""},
		{"forward auth typo", map[string]string{"GATEHOUSE_FORWARD_AUTH_ENABLED": "yes please"}, "forward_auth.enabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c, err := load(t, "", env)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.env == nil && (c.Server.LoginRateLimit != 5 || c.Server.LoginRateBurst != 20 || c.ForwardAuth.Enabled) {
					t.Errorf("defaults: rate %d, burst %d, forward_auth %v", c.Server.LoginRateLimit, c.Server.LoginRateBurst, c.ForwardAuth.Enabled)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
