package proxy

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestRefCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newRefCache(100, func() time.Time { return now })
	calls := 0
	// decode accepts exactly "good-N" values, like a MAC check would.
	decode := func(value string, ref *sessionRef) error {
		calls++
		if len(value) < 5 || value[:5] != "good-" {
			return errors.New("bad MAC")
		}
		*ref = sessionRef{ID: "id-" + value[5:], Key: []byte("k")}
		return nil
	}
	steps := []struct {
		name      string
		value     string
		advance   time.Duration
		wantOK    bool
		wantID    string
		wantCalls int // decode calls so far
	}{
		{"first use verifies", "good-1", 0, true, "id-1", 1},
		{"second use is cached", "good-1", 0, true, "id-1", 1},
		{"a tampered value is verified, and refused", "good-1x", 0, true, "id-1x", 2},
		{"a forged value is refused", "evil-1", 0, false, "", 3},
		{"a forged value is refused every time", "evil-1", 0, false, "", 4},
		{"still cached within the TTL", "good-1", refCacheTTL - time.Second, true, "id-1", 4},
		{"verified again after the TTL", "good-1", 2 * time.Second, true, "id-1", 5},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		ref, ok := c.decode(s.value, decode)
		if ok != s.wantOK || ref.ID != s.wantID || calls != s.wantCalls {
			t.Fatalf("%s: decode(%q) = %q, %v after %d calls; want %q, %v after %d",
				s.name, s.value, ref.ID, ok, calls, s.wantID, s.wantOK, s.wantCalls)
		}
	}
}

func TestRefCacheIsBounded(t *testing.T) {
	for _, size := range []int{1, 4, 10000} {
		c := newRefCache(size, time.Now)
		decode := func(value string, ref *sessionRef) error { *ref = sessionRef{ID: value}; return nil }
		values := make([]string, 3*size)
		for i := range values {
			values[i] = "good-" + strconv.Itoa(i)
			c.decode(values[i], decode)
		}
		if n, limit := remembered(c, values...), max(size, 2); n > limit || n == 0 {
			t.Errorf("size %d: %d cached values, want 1 to %d", size, n, limit)
		}
	}
}

// TestRefCacheOff checks that session.cache_entries 0 verifies every value
// on every use and remembers none.
func TestRefCacheOff(t *testing.T) {
	c := newRefCache(0, time.Now)
	calls := 0
	decode := func(value string, ref *sessionRef) error {
		calls++
		if value == "evil" {
			return errors.New("bad MAC")
		}
		*ref = sessionRef{ID: "id-" + value}
		return nil
	}
	for i := range 3 {
		if ref, ok := c.decode("good", decode); !ok || ref.ID != "id-good" {
			t.Fatalf("use %d: decode = %q, %v", i, ref.ID, ok)
		}
		if _, ok := c.decode("evil", decode); ok {
			t.Fatalf("use %d: a forged value verified", i)
		}
	}
	if n := remembered(c, "good"); calls != 6 || n != 0 {
		t.Fatalf("%d decode calls for 6 uses, %d values cached; want 6 and none", calls, n)
	}
}

// remembered counts the values that c answers without verifying them: those
// it holds. Probing remembers nothing new (its decode refuses every value).
func remembered(c *refCache, values ...string) int {
	n := 0
	refuse := func(string, *sessionRef) error { return errors.New("not cached") }
	for _, v := range values {
		if _, ok := c.decode(v, refuse); ok {
			n++
		}
	}
	return n
}
