package idp

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pagestyle"
)

// loginPath is where the example OP sends the browser to log in.
const loginPath = "/login/username"

// loginPage serves the provider's login form in place of the example OP's
// bare one: it is the first page a newcomer to `gatehouse demo` sees, so it
// says what it is and prefills the demo user. A correct submission is handed
// on to the example OP, which finishes the login and redirects.
type loginPage struct {
	next    http.Handler
	check   func(username, password string) error
	prefill string
	failed  func(reason string)
	// formAction is the CSP form-action list: the form posts to the
	// provider, which redirects to the client's callback, and Chromium
	// applies form-action to that redirect too.
	formAction string
	template   *template.Template
}

func (p *loginPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != loginPath {
		p.next.ServeHTTP(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.render(w, r, r.URL.Query().Get("authRequestID"), p.prefill, "")
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			p.render(w, r, "", p.prefill, "The form could not be read. Please try again.")
			return
		}
		username := r.PostForm.Get("username")
		if err := p.check(username, r.PostForm.Get("password")); err != nil {
			if p.failed != nil {
				p.failed(err.Error())
			}
			p.render(w, r, r.PostForm.Get("id"), username, "Wrong username or password.")
			return
		}
		// The parsed form stays on r, so the example OP reads the same fields.
		p.next.ServeHTTP(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

type loginData struct {
	ID       string
	Username string
	Error    string
}

func (p *loginPage) render(w http.ResponseWriter, r *http.Request, id, username, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action "+p.formAction)
	// A wrong password answers 200 with the form again, as the example OP
	// did: Login (login.go) and browsers both read it as "try again".
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_ = p.template.Execute(w, loginData{ID: id, Username: username, Error: message})
	}
}

// loginTemplate has the look of gatehouse's own pages (internal/pagestyle).
var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Demo provider – sign in</title>
<style>` + pagestyle.CSS + "\n" + pagestyle.FormCSS + `</style></head>
<body><h1>Demo provider – sign in</h1>
<p>This is the identity provider that <code>gatehouse demo</code> runs for you. Sign in with the demo user and the password printed in the terminal.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="` + loginPath + `">
<input type="hidden" name="id" value="{{.ID}}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" value="{{.Username}}" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{{if .Username}} autofocus{{end}}>
<button type="submit">Sign in</button>
</form>
</body></html>
`))

// formActionSources returns 'self' and the origins of the redirect URIs.
func formActionSources(redirectURIs []string) string {
	sources := []string{"'self'"}
	for _, r := range redirectURIs {
		if u, err := url.Parse(r); err == nil && u.Scheme != "" && u.Host != "" {
			sources = append(sources, u.Scheme+"://"+u.Host)
		}
	}
	return strings.Join(sources, " ")
}
