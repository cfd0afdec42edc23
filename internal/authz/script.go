package authz

import "strings"

// scriptReadings returns the paths policy must hold for: p with a front
// controller prefix stripped (so "/index.php/admin", which PHP routes to
// "admin" through PATH_INFO, meets the rules of "/admin"), and, when the
// prefix appears only in another case ("/INDEX.PHP/admin"), p as written as
// well. PHP's built-in server and Apache on Linux look the script up
// case-sensitively and would not run it for that spelling, but a
// case-insensitive file system would: policy then holds for both readings,
// and the path is public only if both are.
func (p *Policy) scriptReadings(path string) (first, second string) {
	for _, prefix := range p.scripts {
		if rest, ok := cutScript(path, prefix, false); ok {
			return rest, ""
		}
	}
	for _, prefix := range p.scripts {
		if rest, ok := cutScript(path, prefix, true); ok {
			return path, rest
		}
	}
	return path, ""
}

// cutScript strips prefix from the cleaned path at a segment boundary:
// "/index.php/admin" gives "/admin", "/index.php" gives "/", and
// "/index.phpx" is no match.
func cutScript(path, prefix string, foldCase bool) (string, bool) {
	if len(path) < len(prefix) {
		return "", false
	}
	head, rest := path[:len(prefix)], path[len(prefix):]
	if head != prefix && (!foldCase || !strings.EqualFold(head, prefix)) {
		return "", false
	}
	switch {
	case rest == "":
		return "/", true
	case rest[0] == '/':
		return rest, true
	}
	return "", false
}
