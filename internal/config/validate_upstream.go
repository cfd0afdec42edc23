package config

import (
	"fmt"
	"strings"
	"time"
)

// minUpgradeSessionCheck keeps the per-connection session re-check from
// turning into a store load per connection every few milliseconds.
const minUpgradeSessionCheck = time.Second

// validateUpstream checks the upgrade keys of the upstream section and
// lower-cases the protocol names.
func (c *Config) validateUpstream(errs *problems) {
	u := &c.Upstream
	for i, p := range u.AllowedUpgrades {
		key := fmt.Sprintf("upstream.allowed_upgrades[%d]", i)
		u.AllowedUpgrades[i] = strings.ToLower(p)
		switch {
		case !isToken(p):
			errs.add(key, "%q is not a protocol name (letters, digits and !#$%%&'*+-.^_`|~ only)", p)
		case strings.EqualFold(p, "h2c"):
			errs.add(key, "h2c may not be allowed: an HTTP/2 connection to the upstream would carry every later request past authentication")
		}
	}
	for i, o := range u.WebSocketOrigins {
		checkOrigin(fmt.Sprintf("upstream.websocket_origins[%d]", i), o, errs)
	}
	if u.UpgradeSessionCheck < minUpgradeSessionCheck {
		errs.add("upstream.upgrade_session_check", "%s is shorter than %s", u.UpgradeSessionCheck, minUpgradeSessionCheck)
	}
}

// checkOrigin reports an origin that is not exactly scheme://host[:port], the
// form browsers send in the Origin header.
func checkOrigin(key, o string, errs *problems) {
	u, problem := parseHTTPURL(o)
	switch {
	case problem != "":
		errs.add(key, "%q %s", o, problem)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		errs.add(key, "%q must be scheme://host[:port] only, without path, query, fragment or user", o)
	}
}
