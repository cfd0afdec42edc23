package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// unauthenticated answers a request without a live session: a browser
// navigation is sent to log in and comes back to where it was; anything else
// (XHR, API clients, non-GET) gets 401, since a redirect would only confuse it.
func (h *Handler) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if !isBrowserNavigation(r) {
		h.metrics.Request(metrics.OutcomeUnauthorized)
		writeJSONError(w, http.StatusUnauthorized, "unauthorized", "login required")
		return
	}
	if h.afterLogout(w, r) {
		return
	}
	h.metrics.Request(metrics.OutcomeRedirectedToLogin)
	target := h.cfg.PublicURL + h.paths.start + "?rd=" + url.QueryEscape(r.URL.RequestURI())
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// isBrowserNavigation: GET or HEAD that accepts HTML (or says it is a
// navigation) and is not marked as XHR.
func isBrowserNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.Header.Get("X-Requested-With") != "" {
		return false
	}
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Mode"), "navigate") {
		return true
	}
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "text/html")
}
