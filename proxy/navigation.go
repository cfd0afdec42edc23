package proxy

import (
	"net/http"
	"strings"
)

// A request without a live session is answered by respond (errNotLoggedIn):
// a browser navigation is sent to log in and comes back to where it was;
// anything else (XHR, API clients, non-GET) gets 401, since a redirect would
// only confuse it.

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
