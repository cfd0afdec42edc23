package proxy

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestSetCookieName(t *testing.T) {
	for line, want := range map[string]string{
		"gatehouse=; Max-Age=0":         "gatehouse",
		" gatehouse =x; Path=/foo":      "gatehouse",
		"gatehouse":                     "gatehouse",
		"gatehouse; Path=/":             "gatehouse",
		"a=b=c":                         "a",
		"=gatehouse":                    "",
		"__Host-gatehouse=v; Secure":    "__Host-gatehouse",
		"gatehouse-login-0a1b2c3d=x":    "gatehouse-login-0a1b2c3d",
		"app=1; Path=/; gatehouse=evil": "app",
	} {
		if got := setCookieName(line); got != want {
			t.Errorf("setCookieName(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestDropOwnSetCookies(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // nil: no Set-Cookie left
		logs int
	}{
		{"none", nil, nil, 0},
		{"unrelated kept", []string{"app=1; Path=/", "theme=dark"}, []string{"app=1; Path=/", "theme=dark"}, 0},
		{"session deleted", []string{"gatehouse=; Max-Age=0"}, nil, 1},
		{"session under a longer path", []string{"app=1", "gatehouse=x; Path=/foo", "b=2"}, []string{"app=1", "b=2"}, 1},
		{"https name, login and signed-out", []string{"__Host-gatehouse=x", "gatehouse-login-0a1b2c3d=y", "gatehouse-signed-out=z"}, nil, 1},
		{"without '='", []string{"gatehouse"}, nil, 1},
		{"lookalikes kept", []string{"gatehouse2=x", "Gatehouse=y", "xgatehouse=z"}, []string{"gatehouse2=x", "Gatehouse=y", "xgatehouse=z"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			h := &Handler{cookies: fuzzCookieJar(t), repeatLog: newRepeatLogger(zap.New(core))}
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://app/x", nil)
			resp := &http.Response{Header: http.Header{}, Request: req}
			if tt.in != nil {
				resp.Header["Set-Cookie"] = append([]string(nil), tt.in...)
			}
			h.dropOwnSetCookies(resp)
			if got := resp.Header["Set-Cookie"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Set-Cookie = %q, want %q", got, tt.want)
			}
			if logs.Len() != tt.logs {
				t.Errorf("%d log lines, want %d (once per interval)", logs.Len(), tt.logs)
			}
		})
	}
}

func TestSetOwnResponseHeaders(t *testing.T) {
	for _, tt := range []struct{ csp, want string }{
		{"", "frame-ancestors 'none'"},
		{"default-src 'none'", "default-src 'none'; frame-ancestors 'none'"},
		{"default-src 'none'; frame-ancestors *", "default-src 'none'; frame-ancestors *"},
	} {
		h := http.Header{}
		if tt.csp != "" {
			h.Set("Content-Security-Policy", tt.csp)
		}
		setOwnResponseHeaders(h)
		if got := h.Get("Content-Security-Policy"); got != tt.want {
			t.Errorf("CSP %q: got %q, want %q", tt.csp, got, tt.want)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("CSP %q: headers %v", tt.csp, h)
		}
	}
}
