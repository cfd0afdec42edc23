// Package redirect owns the rule for where gatehouse may send a browser
// after login or logout: a local path, public_url's host, or a host of
// allowed_redirect_hosts. The config checks oidc.post_logout_redirect_uri
// with it and the proxy checks every rd parameter with it, so the two cannot
// drift apart.
package redirect

import (
	"net/url"
	"strings"
)

// maxTarget is the longest rd accepted; a longer one is not a link a user
// followed.
const maxTarget = 4096

// Rule decides redirect targets. Anything it does not accept becomes "/":
// open redirects are impossible by construction.
type Rule struct {
	publicHost string
	// secure is public_url being https: an http target would then move the
	// browser off TLS, where the next request (and its cookies on a host
	// that shares them) can be read and changed on the way.
	secure  bool
	allowed map[string]bool
}

// New builds the rule for public_url and allowed_redirect_hosts (host or
// host:port, any case).
func New(publicURL string, allowedHosts []string) Rule {
	r := Rule{allowed: map[string]bool{}}
	if u, err := url.Parse(publicURL); err == nil {
		r.publicHost = strings.ToLower(u.Host)
		r.secure = strings.EqualFold(u.Scheme, "https")
	}
	for _, h := range allowedHosts {
		r.allowed[strings.ToLower(h)] = true
	}
	return r
}

// PublicHost is public_url's host (with port, if any), lower-cased.
func (r Rule) PublicHost() string { return r.publicHost }

// HostAllowed reports whether u's host is public_url's host, or its host or
// host:port is an allowed host. Scheme and path are not looked at.
func (r Rule) HostAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Host)
	return host == r.publicHost || r.allowed[host] || r.allowed[strings.ToLower(u.Hostname())]
}

// Validate returns rd when it is a local path or an absolute http(s) URL
// whose host is allowed, and "/" otherwise. When public_url is https, an
// http URL is refused too.
func (r Rule) Validate(rd string) string {
	if rd == "" || len(rd) > maxTarget {
		return "/"
	}
	for i := 0; i < len(rd); i++ {
		// Browsers drop tabs and newlines inside URLs ("/\t/evil" becomes
		// "//evil") and read a backslash as a slash: refuse them all.
		if c := rd[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(rd)
	if err != nil {
		return "/"
	}
	if strings.HasPrefix(rd, "/") {
		if strings.HasPrefix(rd, "//") || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "/"
		}
		return rd
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Host == "" {
		return "/"
	}
	if r.secure && u.Scheme != "https" {
		return "/"
	}
	if r.HostAllowed(u) {
		return u.String()
	}
	return "/"
}
