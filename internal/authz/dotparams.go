package authz

import (
	"fmt"
	"strings"
)

// ErrDotSegmentParams marks a path with a dot segment that carries path
// parameters ("..;x", ".;", or an empty segment with parameters, ";x").
// Servlet containers (Tomcat, Jetty) drop the parameters first and then
// resolve the dot segment, so "/public/..;/admin" is "/admin" to them while
// path.Clean, which knows nothing of ";", keeps it under /public.
var ErrDotSegmentParams = fmt.Errorf("%w: dot segment with path parameters", ErrBadPath)

// hasDotSegmentParams reports whether a decoded path has a segment whose
// part before the first ";" is "", "." or "..": the segments that such a
// server would turn into nothing or a step up. Checked after decoding, so
// "%2e%2e;", ".%2e;x" and "..%3b" are caught as well.
func hasDotSegmentParams(decoded string) bool {
	for seg := range strings.SplitSeq(decoded, "/") {
		name, _, params := strings.Cut(seg, ";")
		if params && (name == "" || name == "." || name == "..") {
			return true
		}
	}
	return false
}
