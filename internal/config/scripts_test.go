package config

import (
	"slices"
	"strings"
	"testing"
)

func TestScriptPrefixes(t *testing.T) {
	if got := mustLoad(t, "", baseEnv()).Authorization.ScriptPrefixes; len(got) != 0 {
		t.Errorf("default authorization.script_prefixes = %q, want empty", got)
	}
	c := mustLoad(t, "authorization:\n  script_prefixes: [/index.php, /app/run.php]\n", baseEnv())
	if got := c.Authorization.ScriptPrefixes; !slices.Equal(got, []string{"/index.php", "/app/run.php"}) {
		t.Errorf("script_prefixes = %q", got)
	}
	env := baseEnv()
	env["GATEHOUSE_AUTHORIZATION_SCRIPT_PREFIXES"] = "/index.php,/admin.php"
	if got := mustLoad(t, "", env).Authorization.ScriptPrefixes; !slices.Equal(got, []string{"/index.php", "/admin.php"}) {
		t.Errorf("script_prefixes from the environment = %q", got)
	}

	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"bad prefixes", "authorization:\n  script_prefixes: [index.php, /, /index.php/, /a;b]\n", []string{
			`authorization.script_prefixes[0]: "index.php" must start with "/"`,
			`authorization.script_prefixes[1]: "/" must be a clean path to a script such as /index.php (not "/", no trailing slash)`,
			`authorization.script_prefixes[2]: "/index.php/" must be a clean path to a script such as /index.php (not "/", no trailing slash)`,
			`authorization.script_prefixes[3]: "/a;b" must not contain ";"`,
		}},
		{"rule behind the prefix", "authorization:\n  script_prefixes: [/index.php]\n  public_paths: [/index.php/static, /index.php]\n" +
			"  rules:\n    - path: /index.php/admin\n      allowed_groups: [admins]\n", []string{
			`authorization.public_paths[0]: "/index.php/static" starts with the script prefix "/index.php", which is stripped before matching: write "/static"`,
			`authorization.public_paths[1]: "/index.php" starts with the script prefix "/index.php", which is stripped before matching: write "/"`,
			`authorization.rules[0].path: "/index.php/admin" starts with the script prefix "/index.php", which is stripped before matching: write "/admin"`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.yaml, baseEnv())
			got := errLines(err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
