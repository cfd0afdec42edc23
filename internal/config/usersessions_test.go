package config

import (
	"strings"
	"testing"
)

func TestUserSessionsKey(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string
		want bool
		err  string // a part of the error; "" means valid
	}{
		{name: "default on", want: true},
		{name: "off in the file", yaml: "user_sessions:\n  enabled: false\n", want: false},
		{name: "off from the environment", env: map[string]string{"GATEHOUSE_USER_SESSIONS_ENABLED": "false"}, want: false},
		{name: "not a bool", env: map[string]string{"GATEHOUSE_USER_SESSIONS_ENABLED": "sometimes"}, err: "user_sessions.enabled"},
		{name: "unknown key", yaml: "user_sessions:\n  enable: true\n", err: "user_sessions.enable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c, err := load(t, tc.yaml, env)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if c.UserSessions.Enabled != tc.want {
				t.Errorf("user_sessions.enabled = %v, want %v", c.UserSessions.Enabled, tc.want)
			}
		})
	}
}
