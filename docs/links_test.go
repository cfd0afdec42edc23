// Package docs holds no code: its tests check that every link in the
// repository's Markdown files leads somewhere.
package docs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLinks checks every Markdown file of the repository (README.md, docs/,
// the chart's README, any other): a relative link must name a file or folder
// that exists inside the repository, an #anchor must be one that a heading of
// the target file produces (GitHub's rules), and an external link must be a
// well-formed http(s) or mailto URL. Nothing is fetched.
func TestLinks(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := markdownFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"README.md", "docs/configuration.md", "helm/gatehouse/README.md"} {
		if !slices.Contains(files, must) {
			t.Fatalf("%s not found among the Markdown files %q", must, files)
		}
	}
	c := newChecker(root)
	problems, err := c.check(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("checked %d links in %d Markdown files", c.checked, len(files))
}

// TestReadmeLinksEveryPage keeps docs/ reachable: README.md ("Where to read
// on") must link every page in docs/.
func TestReadmeLinksEveryPage(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := newChecker(root).page("README.md")
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, l := range readme.links {
		target, _, _ := strings.Cut(l.dest, "#")
		linked[path.Clean(target)] = true
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		rel := "docs/" + filepath.Base(p)
		if !linked[rel] {
			t.Errorf("README.md does not link %s: add it to \"Where to read on\"", rel)
		}
	}
}

// TestLinksFindsBrokenOnes runs the checker on testdata/broken, a small tree
// with one link of each kind that must be refused (and some that must not).
func TestLinksFindsBrokenOnes(t *testing.T) {
	root, err := filepath.Abs("testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	files, err := markdownFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := newChecker(root).check(files)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`README.md:5: guide/missing.md: no such file`,
		`README.md:6: guide/page.md#no-such-heading: no heading in guide/page.md has the anchor "no-such-heading"`,
		`README.md:7: #nowhere: no heading in README.md has the anchor "nowhere"`,
		`README.md:9: ../outside.md: leaves the repository`,
		`README.md:10: /guide/page.md: use a relative link, not one from the root`,
		`README.md:11: https://example.com/%zz: not a well-formed URL`,
		`README.md:12: https:///path: not a well-formed URL (no host)`,
		`README.md:13: ftp://example.com/x: not a relative link, nor http(s) or mailto`,
		`README.md:15: guide/page.md#usage-2: no heading in guide/page.md has the anchor "usage-2"`,
		`README.md:17: guide/page.md#Usage: no heading in guide/page.md has the anchor "Usage"`,
		`README.md:18: guide/notes.txt#section: an anchor into a file that is not Markdown`,
		`README.md:29: guide/gone.md: no such file`,
		`guide/page.md:13: ../README.md#tables: no heading in README.md has the anchor "tables"`,
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\n\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
}

// markdownFiles lists the *.md files under root, slash-separated and
// relative to it, skipping hidden folders, testdata and node_modules.
func markdownFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// checker resolves links against the files under root, parsing each
// Markdown target once.
type checker struct {
	root    string
	pages   map[string]page
	checked int // links looked at, for the log
}

func newChecker(root string) *checker {
	return &checker{root: root, pages: map[string]page{}}
}

func (c *checker) page(rel string) (page, error) {
	if p, ok := c.pages[rel]; ok {
		return p, nil
	}
	text, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rel)))
	if err != nil {
		return page{}, fmt.Errorf("read %s: %w", rel, err)
	}
	p := parsePage(string(text))
	c.pages[rel] = p
	return p, nil
}

// check returns one line per broken link, "file:line: link: why".
func (c *checker) check(files []string) ([]string, error) {
	var problems []string
	for _, file := range files {
		p, err := c.page(file)
		if err != nil {
			return nil, err
		}
		for _, l := range p.links {
			c.checked++
			if why := c.problem(file, l.dest); why != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", file, l.line, l.dest, why))
			}
		}
	}
	return problems, nil
}

var lineAnchor = regexp.MustCompile(`^L[0-9]+(-L[0-9]+)?$`)

// problem says what is wrong with one link of file, or "" when nothing is.
func (c *checker) problem(file, dest string) string {
	if scheme, _, ok := strings.Cut(dest, ":"); ok && !strings.ContainsAny(scheme, "/#?") {
		return external(dest)
	}
	target, anchor, _ := strings.Cut(dest, "#")
	target, _, _ = strings.Cut(target, "?")
	if strings.HasPrefix(target, "/") {
		return "use a relative link, not one from the root"
	}
	target, err := url.PathUnescape(target)
	if err != nil {
		return "not a well-formed path"
	}
	rel := file
	if target != "" {
		rel = path.Join(path.Dir(file), target)
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return "leaves the repository"
		}
		info, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "no such file"
		case err != nil:
			return err.Error()
		case strings.HasSuffix(target, "/") && !info.IsDir():
			return "not a folder"
		case info.IsDir() && anchor != "":
			return "an anchor into a folder"
		}
	}
	if anchor == "" {
		return ""
	}
	if !strings.HasSuffix(rel, ".md") {
		if lineAnchor.MatchString(anchor) {
			return "" // GitHub's line anchors of a source file
		}
		return "an anchor into a file that is not Markdown"
	}
	p, err := c.page(rel)
	if err != nil {
		return err.Error()
	}
	if !p.anchors[anchor] {
		return fmt.Sprintf("no heading in %s has the anchor %q", rel, anchor)
	}
	return ""
}

// external checks a link with a scheme without fetching it.
func external(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return "not a well-formed URL"
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return "not a well-formed URL (no host)"
		}
	case "mailto":
		if !strings.Contains(u.Opaque, "@") {
			return "not a well-formed mailto address"
		}
	default:
		return "not a relative link, nor http(s) or mailto"
	}
	return ""
}
