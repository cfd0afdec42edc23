package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/badidp"
)

// TestTooLongClaimRefusesLogin: a preferred_username of 9 KiB cannot be
// carried within identity.max_header_bytes (8 KiB) in a header or in the
// assertion, and trimming groups cannot make room: the login is refused with
// a page that says so, and no session exists.
func TestTooLongClaimRefusesLogin(t *testing.T) {
	g := startBadGate(t)
	g.idp.Set(func(b *badidp.Behaviour) {
		b.Claims = func(c map[string]any) { c["preferred_username"] = strings.Repeat("m", 9*1024) }
	})
	b := newBrowser(t)
	resp := g.attemptLogin(b)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "preferred_username") ||
		!strings.Contains(body, "too long") {
		t.Errorf("callback: %d %.300s; want 400 and a page naming the claim", resp.StatusCode, body)
	}
	if strings.Contains(body, "mmmmmmmm") {
		t.Error("the page quotes the claim")
	}
	g.assertRejected(t, b, resp, 1, 1)
}

// TestManyGroupsAreTrimmedAndMarked: a user in 2000 groups logs in; the
// upstream gets every identity header and the assertion within the cap, the
// assertion's groups a prefix of the user's and marked groups_truncated.
func TestManyGroupsAreTrimmedAndMarked(t *testing.T) {
	const maxBytes = 8192
	g := startBadGate(t)
	groups := make([]string, 2000)
	for i := range groups {
		groups[i] = fmt.Sprintf("department-%04d-members", i)
	}
	g.idp.Set(func(b *badidp.Behaviour) {
		b.Claims = func(c map[string]any) { c["groups"], c["preferred_username"] = groups, strings.Repeat("p", 2000) }
	})
	b := newBrowser(t)
	if resp := g.attemptLogin(b); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d %s", resp.StatusCode, readAll(t, resp))
	}
	if resp := b.navigate(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/app: %d", resp.StatusCode)
	}
	got := g.Upstream.last(t).Header
	assertion := got.Values("X-Gatehouse-Assertion")
	if len(assertion) != 1 {
		t.Fatalf("upstream got %d assertions", len(assertion))
	}
	if n := len("X-Gatehouse-Assertion") + len(assertion[0]); n > maxBytes {
		t.Errorf("assertion header line is %d bytes, over identity.max_header_bytes %d", n, maxBytes)
	}
	identityBytes := 0
	for _, name := range []string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Groups"} {
		for _, v := range got.Values(name) {
			identityBytes += len(name) + len(v)
		}
	}
	if identityBytes > maxBytes {
		t.Errorf("identity headers total %d bytes, over %d", identityBytes, maxBytes)
	}
	c, err := upstreamVerifier(t, g.gate).Verify(t.Context(), assertion[0])
	if err != nil {
		t.Fatal(err)
	}
	if !c.GroupsTruncated || len(c.Groups) == 0 || len(c.Groups) >= len(groups) {
		t.Fatalf("assertion: %d groups, groups_truncated %v; want a marked, non-empty prefix", len(c.Groups), c.GroupsTruncated)
	}
	for i, grp := range c.Groups {
		if grp != groups[i] {
			t.Fatalf("assertion group %d is %q, want %q (a prefix of the user's groups)", i, grp, groups[i])
		}
	}
	if c.PreferredUsername != strings.Repeat("p", 2000) {
		t.Error("preferred_username was changed to make room; only groups may be trimmed")
	}
}
