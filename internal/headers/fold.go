package headers

import "strings"

// Fold lower-cases name and maps '_' to '-': PHP and CGI turn
// X-Forwarded_User into the same variable as X-Forwarded-User, so lists are
// compared in this form.
func Fold(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// AppendFolded appends Fold(name) to b without allocating when b has room,
// for ASCII names (a non-ASCII byte is copied unchanged, and such a name is
// in no list).
func AppendFolded(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		b = append(b, c)
	}
	return b
}
