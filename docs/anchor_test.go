package docs

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// slugger hands out the anchors of one file's headings as GitHub does: the
// first heading with a text gets its slug, later ones "-1", "-2", … (a
// generated name that is itself taken moves on to the next number).
type slugger struct {
	seen map[string]int
}

func newSlugger() *slugger { return &slugger{seen: map[string]int{}} }

func (s *slugger) next(heading string) string {
	base := slug(heading)
	id := base
	for {
		if _, taken := s.seen[id]; !taken {
			break
		}
		s.seen[base]++
		id = base + "-" + strconv.Itoa(s.seen[base])
	}
	s.seen[id] = 0
	return id
}

// slug is GitHub's anchor of one heading's Markdown text: the rendered text,
// lower case, with every character that is not a letter, digit, mark, space,
// '-' or '_' removed, and each space turned into '-' (runs of spaces are not
// merged, as on GitHub).
func slug(heading string) string {
	text := strings.ToLower(headingText(heading))
	var b strings.Builder
	for _, r := range text {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-', r == '_', unicode.IsLetter(r), unicode.IsNumber(r), unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	imageInHeading = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	linkInHeading  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	tagInHeading   = regexp.MustCompile(`</?[A-Za-z][^>]*>`)
)

// headingText renders what the anchor is made from: code spans keep their
// content, links and images their text, HTML tags and '*' emphasis go. '_'
// stays: the headings here use it inside names (session.idle_timeout), not
// for emphasis.
func headingText(heading string) string {
	var out strings.Builder
	for i, part := range strings.Split(heading, "`") {
		if i%2 == 1 {
			out.WriteString(part)
			continue
		}
		part = imageInHeading.ReplaceAllString(part, "$1")
		part = linkInHeading.ReplaceAllString(part, "$1")
		part = tagInHeading.ReplaceAllString(part, "")
		out.WriteString(strings.ReplaceAll(part, "*", ""))
	}
	return strings.TrimSpace(out.String())
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct {
		heading, want string
	}{
		{"Try it: one command", "try-it-one-command"},
		{"Kubernetes: sidecar for a PHP application (HumHub)", "kubernetes-sidecar-for-a-php-application-humhub"},
		{"Behind nginx, Traefik or Envoy", "behind-nginx-traefik-or-envoy"},
		{"WebSockets and other upgrades", "websockets-and-other-upgrades"},
		{"`session.idle_timeout` and `log.level`", "sessionidle_timeout-and-loglevel"},
		{"`GET /oauth2/userinfo`", "get-oauth2userinfo"},
		{"**Bold** and *em*", "bold-and-em"},
		{"See [Redis](redis.md#top) first", "see-redis-first"},
		{"A ![logo](logo.png) here", "a-logo-here"},
		{"Double  space", "double--space"},
		{"Already-hyphenated_name", "already-hyphenated_name"},
		{"Über straße", "über-straße"},
		{"Metrics ✓ 100 %", "metrics--100-"},
		{"What's new?", "whats-new"},
		{"Rate (5/s) & burst", "rate-5s--burst"},
		{"<code>x</code> tag", "x-tag"},
		{"  padded  ", "padded"},
		{"", ""},
	} {
		if got := slug(tc.heading); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
}

func TestSluggerDuplicates(t *testing.T) {
	s := newSlugger()
	var got []string
	for _, h := range []string{"Redis", "Redis", "Redis-1", "Redis", "Other"} {
		got = append(got, s.next(h))
	}
	want := []string{"redis", "redis-1", "redis-1-1", "redis-2", "other"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("anchors %q, want %q", got, want)
	}
}
