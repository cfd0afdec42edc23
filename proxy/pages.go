package proxy

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pagestyle"
)

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title>{{if .Refresh}}
<meta http-equiv="refresh" content="0;url={{.Refresh}}">{{end}}
<style>` + pagestyle.CSS + `</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p>
{{if .Link}}<p><a class="button" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
{{with .Form}}<form method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<button type="submit">{{.Button}}</button></form>{{end}}
<p class="status">{{if .Status}}HTTP {{.Status}}{{end}}{{if and .Status .RequestID}} · {{end}}{{if .RequestID}}request {{.RequestID}}{{end}}</p>
</body></html>
`))

type page struct {
	Status    int
	Title     string
	Message   string
	Link      string
	LinkText  string
	RequestID string
	// Refresh sends the browser on to this URL at once (forward-auth's 401,
	// which Traefik shows to the browser as it is).
	Refresh string
	// Form is a POST button (the logout confirmation).
	Form *pageForm
	// FormTargets are origins, besides the page's own, that the form's
	// submission may end up at after redirects (CSP form-action applies to
	// them too).
	FormTargets []string
}

// pageForm is a form of hidden fields and one button.
type pageForm struct {
	Action string
	Fields map[string]string
	Button string
}

// renderPage writes a small self-contained HTML page. Nothing in it comes from
// the request except escaped text, and it is never cached.
func renderPage(w http.ResponseWriter, r *http.Request, p page) {
	p.RequestID = requestStateFrom(r.Context()).id
	setPageHeaders(w, p.FormTargets)
	code := p.Status
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_ = pageTemplate.Execute(w, p)
	}
}

// setPageHeaders marks a page of gatehouse's own: HTML, never cached, and a
// CSP that runs no script, loads nothing and lets its forms post only to
// gatehouse and to formTargets (origins; "" entries are skipped).
func setPageHeaders(w http.ResponseWriter, formTargets []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	formAction := "'self'"
	for _, origin := range formTargets {
		if origin != "" {
			formAction += " " + origin
		}
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action "+formAction)
}

func wantsHTML(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "text/html")
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": message})
}
