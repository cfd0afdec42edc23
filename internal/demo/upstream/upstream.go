// Package upstream is the demo application behind `gatehouse demo`: one page
// that shows what gatehouse passed on, and whether the signed assertion
// verifies against gatehouse's published keys.
package upstream

import (
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// IdentityHeaders are the identity headers the page shows first, in order.
var IdentityHeaders = []string{
	"X-Forwarded-User",
	"X-Forwarded-Email",
	"X-Forwarded-Preferred-Username",
	"X-Forwarded-Groups",
}

// AssertionHeader is the header of gatehouse's signed assertion; the HTML page
// shortens its value.
const AssertionHeader = verify.DefaultHeader

// assertionShown is how many characters of the assertion the HTML page shows.
const assertionShown = 40

// LogoutPath is where the page's "Log out" link points.
const LogoutPath = "/oauth2/logout"

// Handler returns the demo upstream. Every path answers with the request it
// received: HTML by default, JSON when the client accepts application/json
// and not text/html. Neither variant is cached. With a verifier the page also
// says whether the assertion verified, and why not; nil leaves that out.
func Handler(v *verify.Verifier) http.Handler {
	return &app{verifier: v}
}

type app struct{ verifier *verify.Verifier }

// Check is the outcome of verifying the assertion.
type Check struct {
	Verified bool   `json:"verified"`
	Reason   string `json:"reason,omitempty"`  // why it failed
	Subject  string `json:"subject,omitempty"` // the verified sub
}

func (a *app) check(r *http.Request) *Check {
	if a.verifier == nil {
		return nil
	}
	c, err := a.verifier.VerifyRequest(r)
	if err != nil {
		return &Check{Reason: err.Error()}
	}
	return &Check{Verified: true, Subject: c.Subject}
}

// Response is the JSON variant of the page. Headers holds every request
// header (including the identity headers and the full assertion) by its
// canonical name.
type Response struct {
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Host     string              `json:"host"`
	Identity map[string]string   `json:"identity"`
	Headers  map[string][]string `json:"headers"`
	// Assertion is the verification outcome (absent without a verifier).
	Assertion *Check `json:"assertion,omitempty"`
}

type row struct{ Name, Value string }

type page struct {
	Method, Path, Host string
	Identity           []row
	Headers            []row
	LoggedIn           bool
	LogoutPath         string
	Assertion          *Check
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r.Header.Values("Accept")) {
		serveJSON(w, r, a.check(r))
		return
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	p := newPage(r)
	p.Assertion = a.check(r)
	_ = pageTemplate.Execute(w, p) // the only error is a failed write
}

func serveJSON(w http.ResponseWriter, r *http.Request, check *Check) {
	resp := Response{
		Assertion: check,
		Method:    r.Method,
		Path:      r.URL.RequestURI(),
		Host:      r.Host,
		Identity:  make(map[string]string, len(IdentityHeaders)),
		Headers:   make(map[string][]string, len(r.Header)),
	}
	for _, name := range IdentityHeaders {
		resp.Identity[name] = r.Header.Get(name)
	}
	for name, values := range r.Header {
		resp.Headers[name] = values
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(resp)
}

func newPage(r *http.Request) page {
	p := page{Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host, LogoutPath: LogoutPath}
	for _, name := range IdentityHeaders {
		v := strings.Join(r.Header.Values(name), ", ")
		if v != "" {
			p.LoggedIn = true
		}
		p.Identity = append(p.Identity, row{name, v})
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		if !slices.Contains(IdentityHeaders, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			if name == AssertionHeader {
				v = shorten(v, assertionShown)
			}
			p.Headers = append(p.Headers, row{name, v})
		}
	}
	return p
}

// shorten cuts s to n runes and marks the cut.
func shorten(s string, n int) string {
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	return string(runes[:n]) + "…"
}

// wantsJSON reports whether the Accept header names application/json and not
// text/html (browsers list text/html; curl -H 'Accept: application/json' does not).
func wantsJSON(accept []string) bool {
	jsonOK, html := false, false
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "application/json":
				jsonOK = true
			case "text/html":
				html = true
			}
		}
	}
	return jsonOK && !html
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gatehouse demo upstream</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
  main { max-width: 960px; margin: 2rem auto; padding: 0 1rem; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.75rem 0 .5rem; }
  .muted { color: #616e7c; }
  section { background: #fff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 1rem 1.25rem; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; }
  th { width: 32%; font-weight: 600; white-space: nowrap; }
  td { font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; }
  tr:last-child th, tr:last-child td { border-bottom: 0; }
  .unset { color: #9aa5b1; font-style: italic; font-family: system-ui, sans-serif; }
  a.button { background: #3e4c59; color: #fff; text-decoration: none; padding: .4rem .9rem; border-radius: 6px; }
  a.button:hover { background: #1f2933; }
  code { font-family: ui-monospace, monospace; }
  .ok { color: #0e7c3a; font-weight: 600; }
  .bad { color: #b42318; font-weight: 600; }
</style>
</head>
<body>
<main>
<header>
  <div>
    <h1>gatehouse demo upstream</h1>
    <div class="muted"><code>{{.Method}} {{.Path}}</code> on <code>{{.Host}}</code></div>
  </div>
  <a class="button" href="{{.LogoutPath}}">Log out</a>
</header>

<h2>Identity{{if not .LoggedIn}} <span class="muted">(no identity headers: not logged in?)</span>{{end}}</h2>
<section>
<table>
{{- range .Identity}}
  <tr><th>{{.Name}}</th><td>{{if .Value}}{{.Value}}{{else}}<span class="unset">not set</span>{{end}}</td></tr>
{{- end}}
</table>
</section>

{{- with .Assertion}}
<h2>Signed assertion</h2>
<section>
{{- if .Verified}}
  <p class="ok">assertion verified ✓ <span class="muted">(sub {{.Subject}})</span></p>
{{- else}}
  <p class="bad">assertion ✗ {{.Reason}}</p>
{{- end}}
</section>
{{- end}}

<h2>Other request headers</h2>
<section>
<table>
{{- range .Headers}}
  <tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>
{{- else}}
  <tr><td class="unset">none</td></tr>
{{- end}}
</table>
</section>
</main>
</body>
</html>
`))
