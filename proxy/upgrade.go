package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Upgrades (WebSockets) hand the client a raw connection to the upstream on
// which gatehouse sees nothing more: an h2c upgrade would let every later
// HTTP/2 stream skip authentication, rules and header stripping, and a
// WebSocket opened by another site's page would act with the user's cookie.
// So only listed protocols pass (never h2c), only with a session and the
// path's policy (public paths included), only from allowed origins; and the
// connection is closed when its session ends (upgradewatch.go).

// upgradePolicy is what upstream.allowed_upgrades and websocket_origins
// allow, prepared once.
type upgradePolicy struct {
	protocols map[string]bool // lower-case protocol names
	origins   map[string]bool // normalised origins, public_url's included
}

func newUpgradePolicy(cfg *config.Config) upgradePolicy {
	p := upgradePolicy{protocols: map[string]bool{}, origins: map[string]bool{}}
	for _, name := range cfg.Upstream.AllowedUpgrades {
		if name = strings.ToLower(name); name != "h2c" { // validated already; kept for safety
			p.protocols[name] = true
		}
	}
	for _, o := range append([]string{cfg.PublicURL}, cfg.Upstream.WebSocketOrigins...) {
		if n, ok := normaliseOrigin(o); ok {
			p.origins[n] = true
		}
	}
	return p
}

// admitUpgrade prepares a request for the upstream as far as upgrades go and
// reports whether it asks for one (HTTP2-Settings, which serves only h2c, is
// removed from every request by the stripper, headers.go). A request that names a
// protocol not allowed (h2c always) is refused with 400, a handshake from an
// origin not allowed with 403.
func (h *Handler) admitUpgrade(r *http.Request) (upgrade bool, err error) {
	if _, asked := r.Header["Upgrade"]; !asked {
		return false, nil
	}
	named, problem := h.upgrade.refuseProtocols(r)
	if !named {
		// An empty Upgrade (a front proxy copying an absent one) asks for
		// nothing.
		delete(r.Header, "Upgrade")
		return false, nil
	}
	if problem != "" {
		return false, &errRequest{status: http.StatusBadRequest, title: "Upgrade refused",
			message: "This connection upgrade is not allowed here: " + problem + ".",
			reason:  "upgrade refused", repeat: true, fields: []zap.Field{zap.String("reason", problem)}}
	}
	if !headerHasToken(r.Header["Connection"], "upgrade") {
		// Without the Connection token it is no upgrade: the reverse proxy
		// drops the Upgrade header as hop-by-hop.
		return false, nil
	}
	if !h.upgrade.originAllowed(r.Header["Origin"]) {
		return false, &errRequest{status: http.StatusForbidden, title: "Connection refused",
			message: "A page of another site may not open a connection to this application.",
			outcome: metrics.OutcomeForbidden,
			reason:  "upgrade refused: origin not allowed", repeat: true,
			fields: []zap.Field{zap.Strings("origin", r.Header["Origin"])}}
	}
	return true, nil
}

// refuseProtocols reports whether the request's Upgrade header names any
// protocol, and why it is not acceptable ("" when every protocol it names is
// allowed). Every line and every element counts: the upstream may pick any
// protocol of the list.
func (p upgradePolicy) refuseProtocols(r *http.Request) (named bool, problem string) {
	for _, line := range r.Header["Upgrade"] {
		for elem := range strings.SplitSeq(line, ",") {
			elem = strings.TrimSpace(elem)
			if elem == "" {
				continue
			}
			named = true
			name, _, _ := strings.Cut(elem, "/") // protocol-name["/" protocol-version]
			name = strings.ToLower(name)
			switch {
			case name == "h2c":
				return true, "h2c is never forwarded"
			case !p.protocols[name]:
				return true, "the protocol is not in upstream.allowed_upgrades"
			case name == "websocket" && r.Method != http.MethodGet:
				return true, "a WebSocket handshake is a GET"
			}
		}
	}
	return named, ""
}

// originAllowed applies the origin rule to a handshake's Origin header lines.
// Browsers send Origin with every WebSocket handshake, so a cross-site page
// cannot leave it out; a client without one is not a browser acting for
// another site, and holds the cookie itself.
func (p upgradePolicy) originAllowed(values []string) bool {
	switch len(values) {
	case 0:
		return true
	case 1:
		n, ok := normaliseOrigin(values[0])
		return ok && p.origins[n]
	default:
		return false // which one would the application believe?
	}
}

// normaliseOrigin returns scheme://host[:port] in lower case without a default
// port, as browsers write it, or false for anything else ("null" included).
func normaliseOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch {
	case scheme == "http":
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https":
		host = strings.TrimSuffix(host, ":443")
	default:
		return "", false
	}
	return scheme + "://" + host, true
}

// headerHasToken reports whether a comma-separated header names token
// (case-insensitive).
func headerHasToken(values []string, token string) bool {
	for _, line := range values {
		for elem := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(elem), token) {
				return true
			}
		}
	}
	return false
}
