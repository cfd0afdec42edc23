package proxy

import (
	"net/http"
	"strings"
)

// setOwnResponseHeaders marks a response gatehouse made itself (pages, JSON
// errors, redirects, forward-auth answers, JWKS): no Referer leaves a
// gatehouse URL (the callback's holds the code and state), no content
// sniffing, and no framing (clickjacking of the logout button). A handler
// that set a Content-Security-Policy of its own keeps it; unless that policy
// names frame-ancestors itself (the front-channel logout page, which the
// provider frames), frame-ancestors 'none' is added to it.
func setOwnResponseHeaders(h http.Header) {
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	switch csp := h.Get("Content-Security-Policy"); {
	case csp == "":
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	case !strings.Contains(csp, "frame-ancestors"):
		h.Set("Content-Security-Policy", csp+"; frame-ancestors 'none'")
	}
}
