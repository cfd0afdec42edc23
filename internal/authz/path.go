package authz

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// ErrBadPath marks a request path that gatehouse refuses to interpret: an
// encoded slash or backslash, a backslash, a control character, a raw "#"
// (a fragment has no place in a request), broken percent-encoding, or a dot
// segment with path parameters (ErrDotSegmentParams). Upstreams disagree
// about what such paths mean, so any reading gatehouse chose could differ
// from the upstream's and open a bypass.
var ErrBadPath = errors.New("authz: ambiguous request path")

// CleanPath turns a request path as sent on the wire (without the query; see
// WirePath) into the one form that policy is matched against: percent-decoded
// once and cleaned with path.Clean, so "/%61dmin", "//admin", "/./admin" and
// "/public/../admin" all become "/admin". The query string and fragment never
// take part: callers pass the path alone.
func CleanPath(escaped string) (string, error) {
	lower := strings.ToLower(escaped)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(escaped, "#") {
		return "", ErrBadPath
	}
	decoded, err := url.PathUnescape(escaped)
	if err != nil {
		return "", ErrBadPath
	}
	for i := 0; i < len(decoded); i++ {
		if c := decoded[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", ErrBadPath
		}
	}
	if hasDotSegmentParams(decoded) {
		return "", ErrDotSegmentParams
	}
	if !strings.HasPrefix(decoded, "/") {
		decoded = "/" + decoded
	}
	return path.Clean(decoded), nil
}

// WirePath is u's path exactly as it was sent. url.URL keeps the sent form in
// RawPath whenever it differs from the default encoding of Path (so a raw "#"
// stays visible to CleanPath); otherwise that default encoding is the sent
// form.
func WirePath(u *url.URL) string {
	if u.RawPath != "" {
		return u.RawPath
	}
	return u.EscapedPath()
}

// matcher is one public path or rule path.
type matcher struct {
	prefix string
	re     interface{ MatchString(string) bool }
}

// match reports whether the cleaned path p is under the prefix at a segment
// boundary ("/admin" matches /admin, /admin/x and /admin;x — servlet
// containers read ";" as the end of a segment — but not /administrator), or
// matches the regular expression.
func (m matcher) match(p string) bool {
	if m.re != nil {
		return m.re.MatchString(p)
	}
	if m.prefix == "/" {
		return true
	}
	if !strings.HasPrefix(p, m.prefix) {
		return false
	}
	rest := p[len(m.prefix):]
	return rest == "" || rest[0] == '/' || rest[0] == ';'
}
