package proxy

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// hostGuard knows the hosts of server.allowed_hosts. Applications build
// absolute links (password-reset mails, redirects) from Host; an attacker who
// can make them use evil.example gets the reset token mailed to the victim
// as a link to his own server.
type hostGuard struct {
	// allowed holds every accepted Host value, lower-case, in each form a
	// client may send it: with the port, and without it when the port is the
	// default one of public_url's scheme.
	allowed map[string]bool
	// public is public_url's host[:port], the X-Forwarded-Host of every
	// request from an untrusted peer.
	public string
}

func newHostGuard(publicURL string, hosts []string) hostGuard {
	g := hostGuard{allowed: map[string]bool{}}
	defaultPort := "80"
	if u, err := url.Parse(publicURL); err == nil {
		g.public = strings.ToLower(u.Host)
		if u.Scheme == "https" {
			defaultPort = "443"
		}
	}
	for _, h := range append([]string{g.public}, hosts...) {
		if h == "" {
			continue
		}
		h = strings.ToLower(h)
		host, port, err := net.SplitHostPort(h)
		if err != nil { // no port
			host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), defaultPort
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // IPv6, as it appears in Host
		}
		g.allowed[host+":"+port] = true
		if port == defaultPort {
			g.allowed[host] = true
		}
	}
	return g
}

// allows reports whether host, a request's Host, is one gatehouse serves.
// The usual lower-case value is looked up as it is, without allocating.
func (g hostGuard) allows(host string) bool {
	return g.allowed[host] || g.allowed[strings.ToLower(host)]
}

// checksHost reports whether the request's Host must be one of
// server.allowed_hosts. A trusted proxy chooses the Host it sends (nginx's
// auth subrequest carries the upstream's name unless told otherwise) and
// answers for it with X-Forwarded-Host; forward-auth answers about another
// request and forwards nothing, so its Host is not the one that matters.
func (h *Handler) checksHost(r *http.Request) bool {
	if requestStateFrom(r.Context()).trustedPeer {
		return false
	}
	p := r.URL.Path
	return p != h.paths.auth && !strings.HasPrefix(p, h.paths.auth+"/")
}

// misdirected answers 421 Misdirected Request: this server does not serve
// the host the request names. Nothing reaches the upstream.
func (h *Handler) misdirected(_ http.ResponseWriter, r *http.Request) error {
	return &errRequest{status: http.StatusMisdirectedRequest, title: "Misdirected request",
		message: "This server does not answer for that host name.",
		reason:  "request for a host not in server.allowed_hosts refused with 421 (logged at most every 10s)",
		level:   zapcore.WarnLevel, repeat: true, fields: []zap.Field{zap.String("host", r.Host)}}
}
