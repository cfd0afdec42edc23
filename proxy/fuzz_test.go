package proxy

// Fuzz targets for the request path's parsers. scripts/test.sh runs each for
// a few seconds; see docs/testing.md ("Fuzzing") for longer runs.

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	hdr "github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/session"
)

// fuzzCookieJar has a fresh random secret, so that values the fuzzer
// remembered from earlier runs can never decode.
func fuzzCookieJar(t testing.TB) cookieJar {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	cfg := &config.Config{
		PublicURL: "https://gate.example.com",
		Cookie:    config.Cookie{Name: "gatehouse", DecodedSecrets: [][]byte{secret}},
		Session:   config.Session{AbsoluteTimeout: time.Hour},
	}
	jar, err := newCookieJar(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// FuzzSessionCookie: whatever Cookie header a client sends, decoding never
// panics and never yields a session reference that the jar did not encode.
func FuzzSessionCookie(f *testing.F) {
	jar := fuzzCookieJar(f)
	rec := &headerRecorder{h: http.Header{}}
	ref := sessionRef{ID: session.NewID(), Key: session.NewKey()}
	if err := jar.setSession(rec, ref); err != nil {
		f.Fatal(err)
	}
	valid := strings.TrimPrefix(strings.SplitN(rec.h.Get("Set-Cookie"), ";", 2)[0], jar.sessionName+"=")
	f.Add(jar.sessionName + "=" + valid)
	f.Add(jar.sessionName + "=" + valid[:len(valid)-3])
	f.Add(jar.sessionName + "=" + strings.Replace(valid, "A", "B", 1))
	f.Add(jar.sessionName + "=x; " + jar.sessionName + "=" + valid)
	f.Add("gatehouse=; a=b; gatehouse=\"quoted\"")
	f.Add(jar.sessionName + "=" + strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{"Cookie": {header}}}
		for _, got := range jar.sessionRefs(nil, r) {
			if got.ID != ref.ID || string(got.Key) != string(ref.Key) || !strings.Contains(header, valid[:40]) {
				t.Fatalf("decoded a session reference %q from a value the jar did not encode: %q", got.ID, header)
			}
		}
	})
}

type headerRecorder struct{ h http.Header }

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(int)             {}

// FuzzRedirect: Validate never yields a Location that takes a browser off
// site, whether read by Go's url.Parse or the way browsers read URLs (tabs
// and newlines dropped, backslashes as slashes, leading and trailing spaces
// and control characters trimmed).
func FuzzRedirect(f *testing.F) {
	public := "https://gate.example.com"
	allowed := map[string]bool{"gate.example.com": true, "docs.example.com": true, "wiki.example.com:8443": true}
	v := newRedirectValidator(public, []string{"docs.example.com", "Wiki.Example.com:8443"})
	base, _ := url.Parse(public + "/oauth2/callback")
	for _, seed := range []string{
		"/", "/app?q=1#x", "//evil.example", "/\\evil.example", "/\t/evil.example", "https://docs.example.com/x",
		"https://docs.example.com@evil.example/", "https://evil.example\\@docs.example.com/", "HTTPS://Wiki.Example.com:8443/",
		"http:evil.example", "/%2F%2Fevil.example", "/.//evil.example", "javascript:alert(1)", " //evil.example",
		"https://docs.example.com:443/", "https://[::1]/", "/\u3000/evil.example", "/..;/evil",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rd string) {
		loc := v.Validate(rd)
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c < 0x20 || c == 0x7f || c == '\\' {
				t.Fatalf("Validate(%q) = %q contains a control character or backslash", rd, loc)
			}
		}
		for _, form := range []string{loc, browserForm(loc)} {
			u, err := url.Parse(form)
			if err != nil {
				t.Fatalf("Validate(%q) = %q does not parse: %v", rd, loc, err)
			}
			abs := base.ResolveReference(u)
			if abs.Scheme != "https" && abs.Scheme != "http" {
				t.Fatalf("Validate(%q) = %q resolves to scheme %q", rd, loc, abs.Scheme)
			}
			// A host listed without a port is allowed on any port.
			if !allowed[strings.ToLower(abs.Host)] && !allowed[strings.ToLower(abs.Hostname())] {
				t.Fatalf("Validate(%q) = %q resolves to host %q", rd, loc, abs.Host)
			}
		}
	})
}

// browserForm applies the WHATWG URL parser's input clean-up to a Location.
func browserForm(loc string) string {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= 0x20 })
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	return loc
}

// FuzzIdentityHeaders: after the stripper and the mapper ran on a request's
// headers, every identity header holds exactly the value gatehouse set from
// the claims (never a client's), and no value has a control character.
func FuzzIdentityHeaders(f *testing.F) {
	headers := map[string]string{
		"X-Forwarded-User": "sub", "X-Forwarded-Email": "email", "X-Forwarded-Groups": "groups", "X-Tenant": "tenant",
	}
	mapper, err := identity.NewMapper(identity.MapperOptions{Headers: headers, MaxBytes: 8192})
	if err != nil {
		f.Fatal(err)
	}
	strip := newStripper(mapper.Names(), nil)
	f.Add("X-Forwarded-User: admin\nx-forwarded_email: boss@example.com\nX-Gatehouse-Assertion: forged", "alice", "alice@example.com", "staff,admins", "t1")
	f.Add("X_FORWARDED_USER: admin\nX-Tenant: other\nX-Forwarded-Access-Token: stolen", "bob\r\nX-Injected: 1", "b\x00b@example.com", "a\nb", "\x7f")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, client, sub, email, groups, tenant string) {
		h := http.Header{}
		for _, line := range strings.Split(client, "\n") {
			name, value, _ := strings.Cut(line, ":")
			if validHeaderName(name) {
				h.Add(name, strings.TrimSpace(value))
			}
		}
		strip.strip(h, false)
		s := &session.Session{Subject: sub, Email: email, Groups: strings.Split(groups, ","),
			Extra: map[string]any{"tenant": tenant}}
		set, _ := mapper.Headers(s)
		want := map[string]string{}
		for _, hd := range set {
			h.Set(hd.Name, hd.Value)
			want[hd.Name] = hd.Value
		}
		for name, values := range h {
			if !strip.always[hdr.Fold(name)] {
				continue
			}
			if w, ok := want[name]; !ok || len(values) != 1 || values[0] != w {
				t.Fatalf("identity header %q = %q survived; gatehouse set %q (client headers %q)", name, values, w, client)
			}
			for i := 0; i < len(values[0]); i++ {
				if c := values[0][i]; c < 0x20 || c == 0x7f {
					t.Fatalf("identity header %s: value %q has a control character", name, values[0])
				}
			}
		}
	})
}

// validHeaderName reports whether name is an HTTP token, as Go's server
// requires of every request header name.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// FuzzForwardingHeaders: whatever headers (in any spelling) and Host a
// client outside trusted_proxies sends, after the upstream rewrite every
// header of the forwarding families, the method overrides and the identity
// headers hold exactly what gatehouse sets for a client that sent none of
// them: no client value survives.
func FuzzForwardingHeaders(f *testing.F) {
	p := newHotPath(f, "http://127.0.0.1:1", nil)
	// A fresh signature would differ from the baseline's: with the assertion
	// off (its header is still stripped) the header is never set.
	p.cfg.Identity.Assertion.Enabled = false
	p.h = p.handler(f, zap.NewNop())
	target, _ := url.Parse("http://127.0.0.1:8080")
	rewrite := p.h.rewrite(target)
	run := func(client http.Header, host string) map[string][]string {
		in := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4180/page", nil)
		in.Host, in.RemoteAddr, in.Header = host, "192.0.2.1:1234", client
		st := &requestState{id: "0123456789abcdef0123456789abcdef", auth: &authenticated{session: p.session}}
		in = in.WithContext(context.WithValue(context.Background(), requestStateKey{}, st))
		out := in.Clone(in.Context())
		rewrite(&httputil.ProxyRequest{In: in, Out: out})
		fam := map[string][]string{}
		for name, values := range out.Header {
			if inForwardingFamily(name) {
				fam[name] = values
			}
		}
		return fam
	}
	baseline := run(http.Header{}, "127.0.0.1:4180")
	if v := baseline["X-Forwarded-Host"]; len(v) != 1 || v[0] != "127.0.0.1:4180" {
		f.Fatalf("X-Forwarded-Host without client headers = %q", v)
	}
	for _, seed := range [][2]string{
		{"X-Rewrite-Url: /admin\nX_Original_URL: /admin\nx-original-host: evil.example", "127.0.0.1:4180"},
		{"X-Forwarded-For: 10.0.0.1\nX_FORWARDED_HOST: evil.example\nForwarded: for=10.0.0.1;host=evil\nX-Real-IP: 1.2.3.4", "evil.example"},
		{"X-HTTP-Method-Override: POST\nx_method_override: PUT\nX-Http-Method: DELETE\nFront_End_Https: on\nX-Url-Scheme: https", "Alias.Example"},
		{"Client-Ip: 1\nX-Client-IP: 2\nTrue-Client-IP: 3\nX-Cluster-Client-Ip: 4\nCF-Connecting-IP: 5\nX-Host: evil", ""},
		{"X-Forwarded-User: admin\nX-Forwarded-Prefix: /evil\nX-Forwarded-Port: 1\nX-Request-Id: forged\nX-Gatehouse-Assertion: forged", "h"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, client, host string) {
		h := http.Header{}
		for _, line := range strings.Split(client, "\n") {
			name, value, _ := strings.Cut(line, ":")
			if validHeaderName(name) {
				h[name] = append(h[name], strings.TrimSpace(value)) // raw: keep the client's spelling
			}
		}
		if got := run(h, host); !reflect.DeepEqual(got, baseline) {
			t.Fatalf("client headers %q, Host %q: forwarding headers upstream %q, want gatehouse's own %q", client, host, got, baseline)
		}
	})
}

// inForwardingFamily is docs/upstream.md's table of what a client outside
// trusted_proxies cannot send, written out again (not taken from
// headers.go), so that the fuzzer checks the stripper against the contract
// rather than against itself. Identity headers are X-Forwarded-*.
func inForwardingFamily(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	for _, prefix := range []string{"x-forwarded-", "x-original-", "x-rewrite-"} {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	switch n {
	case "forwarded", "x-real-ip", "x-host", "front-end-https", "x-url-scheme",
		"client-ip", "x-client-ip", "true-client-ip", "x-cluster-client-ip", "cf-connecting-ip",
		"x-http-method-override", "x-method-override", "x-http-method",
		"x-request-id", "x-gatehouse-assertion":
		return true
	}
	return false
}
