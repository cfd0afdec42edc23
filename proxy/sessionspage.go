package proxy

import (
	"html/template"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/pagestyle"
)

// sessionsTemplate is the sessions page: a table of the user's sessions,
// each but the current one with a button that ends it, and one that ends
// all others. Only forms, no script: the page's CSP allows none.
var sessionsTemplate = template.Must(template.New("sessions").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Your sessions</title>
<style>` + pagestyle.CSS + `
body{max-width:48rem}button,time,.this{white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.45rem .4rem;border-bottom:1px solid #ddd;vertical-align:middle}
th{font-size:.85rem;color:#555;font-weight:600}td form{margin:0}.this{font-weight:600;color:#1a7f37}.muted{color:#777}
button.secondary{background:#e8ecf4;color:#1f3f8a}</style></head>
<body><h1>Your sessions</h1>
<p>These are the places where you are signed in. End any session you do not recognise or no longer use: it is signed out at once.</p>
<table><thead><tr><th>Device</th><th>Network</th><th>Signed in</th><th>Last active</th><th></th></tr></thead><tbody>
{{range .Sessions}}<tr class="session{{if .Current}} current{{end}}" data-session="{{.ID}}">
<td>{{.Device}}{{if .Current}}<br><span class="this">This device</span>{{end}}</td>
<td>{{if .Address}}{{.Address}}{{else}}<span class="muted">unknown</span>{{end}}</td>
<td><time datetime="{{.CreatedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{when .CreatedAt}}</time></td>
<td><time datetime="{{.LastSeenAt.Format "2006-01-02T15:04:05Z07:00"}}">{{when .LastSeenAt}}</time></td>
<td>{{if .Current}}<form method="post" action="{{$.Logout}}"><button type="submit" class="secondary">Sign out</button></form>
{{- else}}<form method="post" action="{{$.Action}}"><input type="hidden" name="end" value="{{.ID}}"><button type="submit">End</button></form>{{end}}</td></tr>
{{end}}</tbody></table>
{{if gt .Total (len .Sessions)}}<p class="muted">{{len .Sessions}} of {{.Total}} sessions shown (the most recently active).</p>{{end}}
{{if .Others}}<form method="post" action="{{.Action}}"><input type="hidden" name="end" value="all_others"><button type="submit">End all other sessions</button></form>{{end}}
<p class="status">{{if .RequestID}}request {{.RequestID}}{{end}}</p>
</body></html>
`))

type sessionsPage struct {
	Sessions  []sessionView
	Total     int
	Others    bool   // sessions besides the current one exist
	Action    string // this page's path: its forms post here
	Logout    string // the current session's "Sign out" posts to logout
	RequestID string
}

// renderSessionsPage writes the page. Its forms post here and to logout;
// logout may send the browser on to the provider's end-session endpoint, so
// that origin is allowed as a form target too.
func (h *Handler) renderSessionsPage(w http.ResponseWriter, r *http.Request, views []sessionView, total int) {
	setPageHeaders(w, []string{originOf(h.oidc.EndSessionEndpoint())})
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_ = sessionsTemplate.Execute(w, sessionsPage{
		Sessions: views, Total: total, Others: total > 1,
		Action: h.paths.sessions, Logout: h.paths.logout, RequestID: requestStateFrom(r.Context()).id,
	})
}
