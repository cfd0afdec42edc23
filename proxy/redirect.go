package proxy

import (
	"net/url"
	"strings"
)

// redirectValidator decides where gatehouse may send a browser after login or
// logout. Anything it does not accept becomes "/": open redirects are
// impossible by construction.
type redirectValidator struct {
	publicHost string
	// secure is public_url being https: an http target would then move the
	// browser off TLS, where the next request (and its cookies on a host
	// that shares them) can be read and changed on the way.
	secure  bool
	allowed map[string]bool
}

func newRedirectValidator(publicURL string, allowedHosts []string) redirectValidator {
	v := redirectValidator{allowed: map[string]bool{}}
	if u, err := url.Parse(publicURL); err == nil {
		v.publicHost = strings.ToLower(u.Host)
		v.secure = strings.EqualFold(u.Scheme, "https")
	}
	for _, h := range allowedHosts {
		v.allowed[strings.ToLower(h)] = true
	}
	return v
}

// Validate returns rd when it is a local path or an absolute http(s) URL on
// public_url's host or an allowed host, and "/" otherwise. When public_url is
// https, an http URL is refused too.
func (v redirectValidator) Validate(rd string) string {
	if rd == "" || len(rd) > 4096 {
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
	if v.secure && u.Scheme != "https" {
		return "/"
	}
	host := strings.ToLower(u.Host)
	if host == v.publicHost || v.allowed[host] || v.allowed[strings.ToLower(u.Hostname())] {
		return u.String()
	}
	return "/"
}
