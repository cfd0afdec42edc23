package config

import (
	"reflect"
	"testing"
)

// TestErrorsNameTheirSource checks that a bad value is reported under the
// source that holds it: the environment variable, the file, or the YAML key.
func TestErrorsNameTheirSource(t *testing.T) {
	secretsFile := writeFile(t, "cookies", secretA+"\n")
	cases := []struct {
		name string
		yaml string
		env  map[string]string // merged over baseEnv; "" removes a variable
		want []string
	}{
		{name: "bad secret from the environment beside a secrets file",
			yaml: "cookie:\n  secrets_file: " + secretsFile + "\n",
			env:  map[string]string{"GATEHOUSE_COOKIE_SECRETS": "not*base64!"},
			want: []string{
				"cookie.secrets: cannot be set together with cookie.secrets_file: set only one of them (from GATEHOUSE_COOKIE_SECRETS)",
				"cookie.secrets[0]: is not base64 (generate one with: openssl rand -base64 48) (from GATEHOUSE_COOKIE_SECRETS)",
			}},
		{name: "bad secret from the environment with a config file",
			yaml: "listen: \":4180\"\n",
			env:  map[string]string{"GATEHOUSE_COOKIE_SECRETS": "not*base64!"},
			want: []string{"cookie.secrets[0]: is not base64 (generate one with: openssl rand -base64 48) (from GATEHOUSE_COOKIE_SECRETS)"}},
		{name: "bad secret in the YAML file",
			yaml: "cookie:\n  secrets: [\"not*base64!\"]\n",
			env:  map[string]string{"GATEHOUSE_COOKIE_SECRETS": ""},
			want: []string{"cookie.secrets[0]: is not base64 (generate one with: openssl rand -base64 48)"}},
		{name: "bad duration from the environment overrides the file",
			yaml: "session:\n  idle_timeout: 1h\n",
			env:  map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "soon"},
			want: []string{`session.idle_timeout: "soon" is not a duration (from GATEHOUSE_SESSION_IDLE_TIMEOUT)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			_, err := load(t, tc.yaml, env)
			if got := errLines(err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestEmptyVariableIsUnset: an empty GATEHOUSE_* variable leaves the file's
// value (or the default) in force, as docs/configuration.md says.
func TestEmptyVariableIsUnset(t *testing.T) {
	env := baseEnv()
	env["GATEHOUSE_SESSION_STORE"] = ""
	env["GATEHOUSE_LOG_LEVEL"] = ""
	c := mustLoad(t, "session:\n  store: memory\n", env)
	if c.Session.Store != "memory" || c.Log.Level != "info" {
		t.Errorf("store %q, log level %q: an empty variable must count as unset", c.Session.Store, c.Log.Level)
	}
}
