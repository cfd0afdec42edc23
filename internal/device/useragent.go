package device

import "strings"

// Unknown is the description of a User-Agent that names nothing known, and
// of sessions recorded before descriptions existed.
const Unknown = "Unknown device"

// maxUserAgent bounds how much of a User-Agent is read: real ones are a few
// hundred bytes, and a client may send kilobytes of anything.
const maxUserAgent = 512

// A product is recognised by a token in the User-Agent. Lists are in order:
// the first match wins, so a browser that also names the one it is built on
// (Edge and Opera say "Chrome", Chrome says "Safari") comes first.
type product struct{ token, name string }

var tools = []product{
	{"curl/", "curl"},
	{"wget/", "Wget"},
	{"go-http-client/", "Go HTTP client"},
	{"python-requests/", "Python requests"},
	{"python-urllib/", "Python urllib"},
	{"postmanruntime/", "Postman"},
	{"okhttp/", "OkHttp"},
}

var browsers = []product{
	{"edg/", "Edge"}, {"edga/", "Edge"}, {"edgios/", "Edge"}, {"edge/", "Edge"},
	{"opr/", "Opera"}, {"opera", "Opera"},
	{"samsungbrowser/", "Samsung Internet"},
	{"vivaldi/", "Vivaldi"},
	{"firefox/", "Firefox"}, {"fxios/", "Firefox"},
	{"headlesschrome/", "Chrome"}, {"crios/", "Chrome"}, {"chromium/", "Chromium"}, {"chrome/", "Chrome"},
	{"version/", "Safari"}, // Safari names its own version as "Version/17.1 ... Safari/605"
	{"msie ", "Internet Explorer"}, {"trident/", "Internet Explorer"},
}

var systems = []product{
	{"windows", "Windows"},
	{"android", "Android"}, // before Linux: Android's User-Agent names both
	{"iphone", "iOS"}, {"ipad", "iPadOS"}, {"ipod", "iOS"},
	{"cros ", "ChromeOS"},
	{"mac os x", "macOS"}, {"macintosh", "macOS"},
	{"linux", "Linux"}, {"x11", "Linux"},
	{"freebsd", "FreeBSD"},
}

// Describe returns a coarse description of the client that sent userAgent:
// "Chrome on Linux", "Firefox on Windows", "curl", or Unknown. The result is
// always one of a fixed set of strings, never a part of the input.
func Describe(userAgent string) string {
	if len(userAgent) > maxUserAgent {
		userAgent = userAgent[:maxUserAgent]
	}
	ua := strings.ToLower(userAgent)
	if tool := find(ua, tools, true); tool != "" {
		return tool
	}
	browser, system := find(ua, browsers, false), find(ua, systems, false)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "Unknown browser on " + system
	}
	return Unknown
}

// find returns the name of the first product whose token ua contains (or,
// with prefix, begins with: command-line tools put their name first).
func find(ua string, list []product, prefix bool) string {
	for _, p := range list {
		if prefix && strings.HasPrefix(ua, p.token) || !prefix && strings.Contains(ua, p.token) {
			return p.name
		}
	}
	return ""
}
