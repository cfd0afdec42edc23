package testidp

import "net/http"

// recordTraceparent keeps the W3C traceparent header each request to path
// carried ("" when none), for the tracing tests: gatehouse must send its
// own span's context to the provider.
func (p *IDP) recordTraceparent(r *http.Request) {
	if p.traceparents == nil {
		p.traceparents = map[string][]string{}
	}
	p.traceparents[r.URL.Path] = append(p.traceparents[r.URL.Path], r.Header.Get("Traceparent"))
}

// Traceparents returns the traceparent headers of the requests that reached
// path, in order ("" for a request without one).
func (p *IDP) Traceparents(path string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.traceparents[path]...)
}
