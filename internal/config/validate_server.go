package config

import (
	"fmt"
	"net/url"
	"strings"
)

// validateAllowedHosts lower-cases server.allowed_hosts, fills its default
// (public_url's host, as written there, port included) and checks every
// entry. A bad public_url is reported under its own key, not here.
func (c *Config) validateAllowedHosts(errs *problems) {
	s := &c.Server
	for i, h := range s.AllowedHosts {
		s.AllowedHosts[i] = strings.ToLower(h)
	}
	if len(s.AllowedHosts) == 0 {
		if u, err := url.Parse(c.PublicURL); err == nil && u.Host != "" {
			s.AllowedHosts = []string{strings.ToLower(u.Host)}
		}
		return
	}
	for i, h := range s.AllowedHosts {
		checkRedirectHost(fmt.Sprintf("server.allowed_hosts[%d]", i), h, errs)
	}
}
