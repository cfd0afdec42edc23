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
	allowed    map[string]bool
}

func newRedirectValidator(publicURL string, allowedHosts []string) redirectValidator {
	v := redirectValidator{allowed: map[string]bool{}}
	if u, err := url.Parse(publicURL); err == nil {
		v.publicHost = strings.ToLower(u.Host)
	}
	for _, h := range allowedHosts {
		v.allowed[strings.ToLower(h)] = true
	}
	return v
}

// Validate returns rd when it is a local path or an absolute http(s) URL on
// public_url's host or an allowed host, and "/" otherwise.
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
	host := strings.ToLower(u.Host)
	if host == v.publicHost || v.allowed[host] || v.allowed[strings.ToLower(u.Hostname())] {
		return u.String()
	}
	return "/"
}
