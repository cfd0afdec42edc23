package proxy

import (
	"net/http"
	"reflect"
	"testing"
)

func TestRemoveOwnCookies(t *testing.T) {
	own := func(name string) bool { return name == "gatehouse" || name == "gatehouse-login-ab12" }
	tests := []struct {
		name string
		in   []string // Cookie lines
		want []string // nil: no Cookie header left
	}{
		{"none", nil, nil},
		{"only own", []string{"gatehouse=v1"}, nil},
		{"own in the middle", []string{"a=1; gatehouse=v1; b=2"}, []string{"a=1; b=2"}},
		{"login cookie and spaces", []string{" gatehouse-login-ab12=x ;a=1;;  b=2 "}, []string{"a=1; b=2"}},
		{"several lines joined", []string{"a=1", "gatehouse=v", "b=2"}, []string{"a=1; b=2"}},
		{"similar names kept", []string{"gatehouse2=x; xgatehouse=y"}, []string{"gatehouse2=x; xgatehouse=y"}},
		{"name with spaces before =", []string{"gatehouse =v; a=1"}, []string{"a=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.in != nil {
				h["Cookie"] = tt.in
			}
			removeOwnCookies(h, own, new([1]string))
			if got := h["Cookie"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Cookie = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPeerStringIsAddrString(t *testing.T) {
	for _, remote := range []string{
		"127.0.0.1:50000", "10.1.2.3:1", "[::1]:443", "[::ffff:192.0.2.7]:80",
		"[fe80::1%eth0]:8080", "[2001:db8:0:0::1]:1",
	} {
		r := &http.Request{RemoteAddr: remote}
		peer, ok := peerAddr(r)
		if !ok {
			t.Fatalf("%s: not parsed", remote)
		}
		if got, want := peerString(remote, peer), peer.String(); got != want {
			t.Errorf("%s: %q, want %q", remote, got, want)
		}
	}
}

// BenchmarkStrip measures the strip that runs on every proxied request: on a
// browser's usual headers (nothing to remove) and on a request that also
// carries seven forged forwarding and identity headers (put back after each
// run).
func BenchmarkStrip(b *testing.B) {
	h := http.Header{
		"Accept":          {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		"Accept-Language": {"en-US,en;q=0.5"},
		"Accept-Encoding": {"gzip, deflate, br"},
		"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		"Cookie":          {"theme=dark; gatehouse=abc; app_session=abc123"},
		"Sec-Fetch-Mode":  {"navigate"},
		"Sec-Fetch-Site":  {"same-origin"},
		"Referer":         {"http://127.0.0.1:4180/"},
	}
	forged := []string{"X-Forwarded-For", "X-Forwarded-Host", "X_Rewrite_Url", "X-Original-Host", "Forwarded", "X-Real-Ip", "X-Forwarded-User"}
	value := []string{"forged"}
	s := newStripper([]string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Groups", "X-Gatehouse-Assertion"}, nil)
	b.Run("browser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.strip(h, false)
		}
		if len(h) != 8 {
			b.Fatalf("a browser header was removed: %v", h)
		}
	})
	b.Run("forged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, name := range forged {
				h[name] = value
			}
			s.strip(h, false)
		}
	})
}

func TestStripFamilies(t *testing.T) {
	identity := []string{"X-Forwarded-User", "X-Forwarded-Email", "X-Gatehouse-Assertion"}
	tests := []struct {
		names   []string
		trusted bool // still removed from a trusted proxy
	}{
		{names: []string{"X-Forwarded-User", "x_forwarded_user", "X-FORWARDED-EMAIL", "X-Gatehouse-Assertion", "X-Forwarded-Access-Token"}, trusted: true},
		{names: []string{"X-Http-Method-Override", "x_http_method_override", "X-Method-Override", "X-HTTP-Method"}, trusted: true},
		{names: []string{"Http2-Settings", "HTTP2_SETTINGS", "Http2_settings"}, trusted: true},
		{names: []string{
			"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Prefix",
			"X-Forwarded-Server", "X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Uri", "X-Forwarded-Anything",
			"x_forwarded_prefix", "X-Original-Url", "X-Original-Host", "X_Original_Uri", "X-Original-Method",
			"X-Rewrite-Url", "x_rewrite_url", "x-rewrite-url", "X-REWRITE-URL", "Forwarded", "X-Real-Ip", "X_Real_IP",
			"X-Host", "Front-End-Https", "Front_End_Https", "X-Url-Scheme", "Client-Ip", "X-Client-Ip",
			"True-Client-Ip", "X-Cluster-Client-Ip", "Cf-Connecting-Ip", "CF_CONNECTING_IP", "X-Request-Id",
		}},
	}
	kept := []string{"Accept", "Cookie", "X-Requested-With", "X-Csrf-Token", "Forwarded-For", "X-Forwardedfor", "X-Originally", "X-Hosted", "Host-Ip", "X-Rewrite"}
	for _, trustedPeer := range []bool{false, true} {
		h := http.Header{}
		for _, tt := range tests {
			for _, n := range tt.names {
				h[n] = []string{"client"}
			}
		}
		for _, n := range kept {
			h[n] = []string{"client"}
		}
		newStripper(identity, nil).strip(h, trustedPeer)
		for _, tt := range tests {
			for _, n := range tt.names {
				_, present := h[n]
				if removed := !present; removed != (!trustedPeer || tt.trusted) {
					t.Errorf("trusted peer %v: %q removed = %v", trustedPeer, n, removed)
				}
			}
		}
		for _, n := range kept {
			if _, ok := h[n]; !ok {
				t.Errorf("trusted peer %v: %q removed, but it is no forwarding header", trustedPeer, n)
			}
		}
	}
}
