package config

import (
	"fmt"
	"path"
	"strings"
)

// validateScriptPrefixes checks authorization.script_prefixes: each a clean
// absolute path other than "/" (which would strip nothing meaningful and
// everything at once). A rule or public path that itself starts with a script
// prefix could never match, since requests are matched with the prefix
// stripped: that is an error naming the rule.
func (c *Config) validateScriptPrefixes(errs *problems) {
	a := &c.Authorization
	for i, p := range a.ScriptPrefixes {
		key := fmt.Sprintf("authorization.script_prefixes[%d]", i)
		before := len(*errs)
		checkPath(key, p, errs)
		switch {
		case len(*errs) != before:
		case p == "/" || path.Clean(p) != p:
			errs.add(key, "%q must be a clean path to a script such as /index.php (not \"/\", no trailing slash)", p)
		case strings.Contains(p, ";"):
			errs.add(key, "%q must not contain \";\"", p)
		}
	}
	shadowed := func(key, pattern string) {
		for _, prefix := range a.ScriptPrefixes {
			if pattern == prefix || strings.HasPrefix(pattern, prefix+"/") {
				errs.add(key, "%q starts with the script prefix %q, which is stripped before matching: write %q",
					pattern, prefix, "/"+strings.TrimPrefix(strings.TrimPrefix(pattern, prefix), "/"))
				return
			}
		}
	}
	for i, p := range a.PublicPaths {
		shadowed(publicPathKey(i, p), p.Path)
	}
	for i, r := range a.Rules {
		shadowed(fmt.Sprintf("authorization.rules[%d].path", i), r.Path)
	}
}
