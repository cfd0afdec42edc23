package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
)

// benchUser is the provider's one account. Its groups and names make identity
// headers and an assertion of a realistic size.
var benchUser = idp.User{
	ID: "bench-user-1", Username: "bench", Password: "bench-password",
	Email: "bench.user@example.com", GivenName: "Bench", FamilyName: "User",
	Groups: []string{"staff", "developers", "ops"},
}

// login logs in to the gatehouse at base through the real flow, as a browser
// without JavaScript would: GET a protected page, follow gatehouse's redirect
// to the provider, submit the login form, follow the callback back to the
// page, and read it. It returns the Cookie header value that carries the
// session, and how long the whole round trip took.
func login(base, issuer string) (cookie string, took time.Duration, err error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	start := time.Now()
	target := base + "/bench-page"
	for hop := 0; ; hop++ {
		if hop > 10 {
			return "", 0, fmt.Errorf("login: too many redirects")
		}
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("Accept", "text/html") // a browser: sent to log in, not refused
		resp, err := client.Do(req)
		if err != nil {
			return "", 0, fmt.Errorf("login: GET %s: %w", target, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		loc, err := resp.Location()
		if err != nil {
			return "", 0, fmt.Errorf("login: GET %s: status %d", target, resp.StatusCode)
		}
		target = loc.String()
		if strings.HasPrefix(target, issuer) {
			// At the provider: its form, then back to gatehouse's callback.
			if target, err = idp.Login(client, issuer, target, benchUser.Username, benchUser.Password); err != nil {
				return "", 0, err
			}
		}
	}
	took = time.Since(start)
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return "", 0, fmt.Errorf("login: no cookie after the login")
	}
	return strings.Join(parts, "; "), took, nil
}
