package docs

import (
	"regexp"
	"strings"
)

// A link is one link destination found in a Markdown file, with the line it
// starts on (for the error message).
type link struct {
	line int
	dest string
}

// page is what the checker needs of a Markdown file: its anchors and its
// links. Parsing covers what these docs use (ATX and setext headings, inline
// links and images, reference definitions, autolinks, HTML href/src/id/name)
// and skips code: fenced and indented blocks and code spans.
type page struct {
	anchors map[string]bool
	links   []link
}

var (
	atxHeading    = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setextLine    = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	fence         = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	listItem      = regexp.MustCompile(`^ {0,3}([-+*]|[0-9]{1,9}[.)])([ \t]|$)`)
	refDefinition = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:[ \t]*(<[^>]*>|\S+)`)
	autolink      = regexp.MustCompile(`<((?:https?|mailto):[^>\s]*)>`)
	htmlAttr      = regexp.MustCompile(`(?i)<[a-z][^>]*?\s(href|src|id|name)\s*=\s*"([^"]*)"`)
)

func parsePage(text string) page {
	p := page{anchors: map[string]bool{}}
	slugs := newSlugger()
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	prose := make([]string, len(lines)) // the lines with code blanked out
	var (
		fenceMark string // the open fence, "" outside one
		prevBlank = true
		inCode    bool // in an indented code block
		inList    bool // since a list item, until an unindented paragraph
		itemStart int  // the column where the last list item's text starts
		prevText  = -1 // index of the previous paragraph line, for setext headings
	)
	for i, line := range lines {
		if fenceMark != "" {
			if m := fence.FindStringSubmatch(line); m != nil && strings.HasPrefix(m[1], fenceMark) && strings.TrimSpace(line) == m[1] {
				fenceMark = ""
			}
			continue
		}
		if m := fence.FindStringSubmatch(line); m != nil {
			fenceMark = m[1][:3]
			prevBlank, prevText = false, -1
			continue
		}
		if strings.TrimSpace(line) == "" {
			prevBlank, prevText = true, -1
			continue
		}
		// An indented line after a blank line is code, except inside a list,
		// where it continues the item unless it is indented further still.
		indent := indentWidth(line)
		if indent >= 4 && (inCode || prevBlank) {
			if !inList || indent >= itemStart+4 {
				inCode = true
				continue
			}
		}
		inCode = false
		if m := listItem.FindString(line); m != "" {
			inList, itemStart = true, indentWidth(m)+len(strings.TrimSpace(m))+1
		} else if prevBlank && !strings.HasPrefix(line, " ") {
			inList = false
		}
		prevBlank = false
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			p.anchors[slugs.next(m[2])] = true
			prose[i] = m[2]
			prevText = -1
			continue
		}
		if setextLine.MatchString(line) && prevText >= 0 {
			p.anchors[slugs.next(strings.TrimSpace(lines[prevText]))] = true
			prevText = -1
			continue
		}
		prose[i] = line
		prevText = -1
		if paragraphLine(line) {
			prevText = i
		}
	}
	for _, block := range paragraphs(prose) {
		p.links = append(p.links, blockLinks(block.text, block.line)...)
		for _, m := range htmlAttr.FindAllStringSubmatch(block.text, -1) {
			switch strings.ToLower(m[1]) {
			case "id", "name":
				p.anchors[m[2]] = true
			}
		}
	}
	return p
}

// indentWidth counts a line's leading columns, a tab as four.
func indentWidth(line string) int {
	n := 0
	for _, r := range line {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 4 - n%4
		default:
			return n
		}
	}
	return n
}

// paragraphLine reports whether a line can be the text of a setext heading.
func paragraphLine(line string) bool {
	t := strings.TrimSpace(line)
	return !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, ">") && !listItem.MatchString(line)
}

type block struct {
	line int // 1-based number of its first line
	text string
}

// paragraphs joins runs of non-empty lines: a link's text may wrap, and a
// code span never crosses a blank line.
func paragraphs(lines []string) []block {
	var out []block
	start := -1
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, block{line: start + 1, text: strings.Join(lines[start:i], "\n")})
			start = -1
		}
	}
	return out
}

// blockLinks finds the link destinations of one paragraph, code spans
// excepted.
func blockLinks(text string, firstLine int) []link {
	masked := maskCodeSpans(text)
	lineOf := func(offset int) int { return firstLine + strings.Count(masked[:offset], "\n") }
	var out []link
	for i := 0; i < len(masked); i++ {
		if !strings.HasPrefix(masked[i:], "](") {
			continue
		}
		dest, ok := destination(masked[i+2:])
		if ok {
			out = append(out, link{line: lineOf(i), dest: dest})
		}
	}
	for _, line := range strings.Split(masked, "\n") {
		if m := refDefinition.FindStringSubmatch(line); m != nil {
			out = append(out, link{line: lineOf(strings.Index(masked, line)), dest: strings.Trim(m[1], "<>")})
		}
	}
	for _, m := range autolink.FindAllStringSubmatchIndex(masked, -1) {
		out = append(out, link{line: lineOf(m[0]), dest: masked[m[2]:m[3]]})
	}
	for _, m := range htmlAttr.FindAllStringSubmatchIndex(masked, -1) {
		if name := strings.ToLower(masked[m[2]:m[3]]); name == "href" || name == "src" {
			out = append(out, link{line: lineOf(m[0]), dest: masked[m[4]:m[5]]})
		}
	}
	return out
}

// destination reads an inline link's destination from what follows "](":
// <...>, or up to white space or the ')' that balances the opening one.
func destination(s string) (string, bool) {
	s = strings.TrimLeft(s, " \t\n")
	if strings.HasPrefix(s, "<") {
		end := strings.IndexAny(s, ">\n")
		if end < 0 || s[end] != '>' {
			return "", false
		}
		return s[1:end], true
	}
	depth := 0
	for i, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth == 0:
			return s[:i], true
		case r == ')':
			depth--
		case r == ' ' || r == '\t' || r == '\n':
			return s[:i], true
		}
	}
	return "", false
}

// maskCodeSpans replaces each code span, backticks included, by spaces (kept
// the same length, so offsets still count lines). A backtick run without a
// closing run of the same length is literal text.
func maskCodeSpans(text string) string {
	b := []byte(text)
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(b) && b[i+n] == '`' {
			n++
		}
		end := closingRun(b, i+n, n)
		if end < 0 {
			i += n
			continue
		}
		for j := i; j < end+n; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end + n
	}
	return string(b)
}

// closingRun finds the next run of exactly n backticks at or after from.
func closingRun(b []byte, from, n int) int {
	for i := from; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		m := 0
		for i+m < len(b) && b[i+m] == '`' {
			m++
		}
		if m == n {
			return i
		}
		i += m
	}
	return -1
}
