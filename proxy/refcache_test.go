package proxy

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestRefCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newRefCache(func() time.Time { return now })
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
	c := newRefCache(time.Now)
	decode := func(value string, ref *sessionRef) error { *ref = sessionRef{ID: value}; return nil }
	for i := range 3 * refCacheSize {
		c.decode("good-"+strconv.Itoa(i), decode)
	}
	if n := len(c.cur) + len(c.prev); n > refCacheSize {
		t.Fatalf("%d cached values, want at most %d", n, refCacheSize)
	}
}
