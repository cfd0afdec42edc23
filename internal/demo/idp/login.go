package idp

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ErrLoginRejected means the provider showed its login form again after the
// credentials were submitted (wrong username or password).
var ErrLoginRejected = errors.New("idp: login rejected")

// maxHops bounds the redirects followed inside the provider.
const maxHops = 10

// Login drives the login form of the provider at issuer like a browser would. It GETs
// authorizeURL (an authorization request at this provider, typically the
// Location of gatehouse's /oauth2/start) with client, follows redirects within
// the provider to the login form, submits username and password, and follows
// redirects within the provider again until one points elsewhere. It returns
// that URL (normally the relying party's callback with code and state)
// without requesting it.
//
// It serves tests (internal/testidp) and the load benchmark (bench/), which
// log in without a browser.
//
// client should carry the cookie jar of the simulated browser; Login never
// lets it follow redirects on its own. When the provider redirects out before
// showing the form (an authorization error), Login returns that URL together
// with an error.
func Login(client *http.Client, issuer, authorizeURL, username, password string) (callbackURL string, err error) {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	target, err := url.Parse(authorizeURL)
	if err != nil {
		return "", fmt.Errorf("idp: authorize URL: %w", err)
	}
	if !isOwn(issuer, target) {
		return "", fmt.Errorf("idp: authorize URL %q is not at issuer %s", authorizeURL, issuer)
	}

	// Authorization request → login form.
	var form loginForm
	for hop := 0; ; hop++ {
		if hop == maxHops {
			return "", fmt.Errorf("idp: more than %d redirects before the login form", maxHops)
		}
		resp, body, err := do(&c, http.MethodGet, target, nil)
		if err != nil {
			return "", err
		}
		next, redirected, err := nextHop(resp, target)
		if err != nil {
			return "", err
		}
		if redirected {
			if !isOwn(issuer, next) {
				return next.String(), fmt.Errorf("idp: provider redirected to %s before the login form", next)
			}
			target = next
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("idp: GET %s: status %d: %s", target, resp.StatusCode, snippet(body))
		}
		form, err = parseLoginForm(body, target)
		if err != nil {
			return "", fmt.Errorf("idp: GET %s: %w", target, err)
		}
		break
	}

	// Submit the form → redirects within the provider → callback.
	values := url.Values{"id": {form.id}, "username": {username}, "password": {password}}
	method, target, body := http.MethodPost, form.action, values
	for hop := 0; ; hop++ {
		if hop == maxHops {
			return "", fmt.Errorf("idp: more than %d redirects after the login form", maxHops)
		}
		resp, respBody, err := do(&c, method, target, body)
		if err != nil {
			return "", err
		}
		next, redirected, err := nextHop(resp, target)
		if err != nil {
			return "", err
		}
		if !redirected {
			if _, ferr := parseLoginForm(respBody, target); ferr == nil {
				return "", fmt.Errorf("%w for user %q", ErrLoginRejected, username)
			}
			return "", fmt.Errorf("idp: %s %s: status %d: %s", method, target, resp.StatusCode, snippet(respBody))
		}
		if !isOwn(issuer, next) {
			return next.String(), nil
		}
		method, target, body = http.MethodGet, next, nil
	}
}

// isOwn reports whether u is at the issuer's scheme and host.
func isOwn(issuer string, u *url.URL) bool {
	iss, err := url.Parse(issuer)
	return err == nil && strings.EqualFold(u.Scheme, iss.Scheme) && strings.EqualFold(u.Host, iss.Host)
}

// nextHop returns the resolved Location of a redirect response.
func nextHop(resp *http.Response, base *url.URL) (*url.URL, bool, error) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, false, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, false, fmt.Errorf("idp: status %d without Location from %s", resp.StatusCode, base)
	}
	next, err := base.Parse(loc)
	if err != nil {
		return nil, false, fmt.Errorf("idp: Location %q from %s: %w", loc, base, err)
	}
	return next, true, nil
}

// do sends one request (a form POST when form is not nil) and reads the body.
func do(c *http.Client, method string, target *url.URL, form url.Values) (*http.Response, []byte, error) {
	var reqBody io.Reader
	if form != nil {
		reqBody = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target.String(), reqBody)
	if err != nil {
		return nil, nil, fmt.Errorf("idp: %w", err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("idp: %s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("idp: %s %s: reading body: %w", method, target, err)
	}
	return resp, body, nil
}

// loginForm is what Login needs from the provider's login page.
type loginForm struct {
	action *url.URL // where the form posts to
	id     string   // the hidden auth request id
}

// parseLoginForm finds the form that holds an input named "id" and returns
// its action (resolved against page) and the input's value. It tokenizes the
// page leniently with encoding/xml in HTML mode.
func parseLoginForm(body []byte, page *url.URL) (loginForm, error) {
	d := xml.NewDecoder(strings.NewReader(string(body)))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity

	action, inForm := "", false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return loginForm{}, errors.New("no login form (no input named id)")
		}
		if err != nil {
			return loginForm{}, fmt.Errorf("parsing login page: %w", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(el.Name.Local) {
			case "form":
				inForm, action = true, attr(el, "action")
			case "input":
				if inForm && attr(el, "name") == "id" {
					a, err := page.Parse(action) // an empty action posts to the page itself
					if err != nil {
						return loginForm{}, fmt.Errorf("form action %q: %w", action, err)
					}
					return loginForm{action: a, id: attr(el, "value")}, nil
				}
			}
		case xml.EndElement:
			if strings.EqualFold(el.Name.Local, "form") {
				inForm = false
			}
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func snippet(b []byte) string {
	const limit = 300
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}
