package device

import (
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	cases := []struct{ name, ua, want string }{
		{"chrome linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"headless chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"chrome windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows"},
		{"chrome android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"chrome ios", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome on iOS"},
		{"chromeos", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS"},
		{"firefox windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"},
		{"firefox linux", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"},
		{"firefox ios", "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "Firefox on iPadOS"},
		{"safari mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS"},
		{"safari iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"edge", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"},
		{"opera", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera on macOS"},
		{"samsung", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"},
		{"internet explorer", "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer on Windows"},
		{"curl", "curl/8.5.0", "curl"},
		{"wget", "Wget/1.21.3", "Wget"},
		{"go", "Go-http-client/1.1", "Go HTTP client"},
		{"python", "python-requests/2.31.0", "Python requests"},
		{"tool name later is no tool", "Mozilla/5.0 (X11; Linux x86_64) curl/8.5.0", "Unknown browser on Linux"},
		{"system only", "SomeApp/1.0 (Linux)", "Unknown browser on Linux"},
		{"browser only", "Firefox/133.0", "Firefox"},
		{"empty", "", Unknown},
		{"garbage", "<script>alert(1)</script>", Unknown},
		{"control characters", "\x00\r\n\t", Unknown},
		{"token past the bound", strings.Repeat("x", 600) + " Chrome/131.0 (Windows NT 10.0)", Unknown},
		{"huge", strings.Repeat("Chrome/1 ", 100000), "Chrome"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe(tc.ua); got != tc.want {
				t.Errorf("Describe(%.60q) = %q, want %q", tc.ua, got, tc.want)
			}
		})
	}
}

// The description is made of fixed words only: nothing the client wrote
// comes back, whatever it wrote.
func FuzzDescribe(f *testing.F) {
	f.Add("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
	f.Add("curl/8.5.0")
	f.Fuzz(func(t *testing.T, ua string) {
		got := Describe(ua)
		if got == Unknown {
			return
		}
		browser, system, _ := strings.Cut(strings.TrimPrefix(got, "Unknown browser on "), " on ")
		known := map[string]bool{}
		for _, list := range [][]product{tools, browsers, systems} {
			for _, p := range list {
				known[p.name] = true
			}
		}
		if !known[browser] || system != "" && !known[system] {
			t.Fatalf("Describe(%q) = %q: not made of known names", ua, got)
		}
	})
}
