package config

import (
	"strings"
	"testing"
)

func TestAssertionEnabled(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		env     map[string]string
		want    bool
		wantErr string // a line of the error naming the key; "" for none
	}{
		{name: "default on", want: true},
		{name: "file turns it off", yaml: "identity:\n  assertion:\n    enabled: false\n", want: false},
		{
			name: "environment turns it off",
			env:  map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ENABLED": "false"},
			want: false,
		},
		{
			name: "environment overrides the file",
			yaml: "identity:\n  assertion:\n    enabled: false\n",
			env:  map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ENABLED": "true"},
			want: true,
		},
		{name: "assertion only: no identity headers", yaml: "identity:\n  headers: {}\n", want: true},
		{
			name:    "not a boolean",
			env:     map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ENABLED": "sometimes"},
			wantErr: "identity.assertion.enabled",
		},
		{
			name:    "nothing left to send",
			yaml:    "identity:\n  headers: {}\n  assertion:\n    enabled: false\n",
			wantErr: "identity.assertion.enabled: is false and identity.headers is empty",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c, err := load(t, tc.yaml, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.Identity.Assertion.Enabled; got != tc.want {
				t.Errorf("identity.assertion.enabled = %v, want %v", got, tc.want)
			}
		})
	}
}
