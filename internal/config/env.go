package config

import "strings"

// EnvPrefix starts the name of every environment variable that overrides a key.
const EnvPrefix = "GATEHOUSE_"

// envName is the environment variable that overrides key.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// envValues returns, for every known key, the value of its environment
// variable when that variable is present and not empty: an empty variable
// counts as unset, so that `GATEHOUSE_X=` in a compose file or a chart's empty
// value keeps the file's value. The values are strings; decode parses them.
//
// GATEHOUSE_* variables that match no key do not fail the load: Kubernetes
// and wrappers put their own variables under the same prefix. UnknownEnv
// (warnings.go) reports the ones that look like settings.
func envValues(env []string, leaves []leaf) map[string]string {
	vars := map[string]string{}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, EnvPrefix) {
			vars[name] = value // a later duplicate wins, as with exec.Cmd.Env
		}
	}
	set := map[string]string{}
	for _, l := range leaves {
		if value, ok := vars[envName(l.key)]; ok && value != "" {
			set[l.key] = value
		}
	}
	return set
}

// splitList splits an environment list on commas and whitespace.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}
