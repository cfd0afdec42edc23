package cache

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// keys lists the cached keys, most recently used first, and checks that the
// list and the map agree.
func (c *Cache[K, V]) keys(t *testing.T) []K {
	t.Helper()
	var ks []K
	for e := c.root.next; e != &c.root; e = e.next {
		if e.next.prev != e {
			t.Fatalf("list broken at %v", e.key)
		}
		ks = append(ks, e.key)
	}
	if len(ks) != len(c.items) {
		t.Fatalf("%d entries listed, %d in the map", len(ks), len(c.items))
	}
	return ks
}

func TestBoundAndEvictionOrder(t *testing.T) {
	type op struct {
		do  string // put, get, delete
		key string
		hit bool // for get
	}
	tests := []struct {
		name string
		size int
		ops  []op
		want []string // keys, most recently used first
	}{
		{"fills up to its size", 3, []op{{"put", "a", false}, {"put", "b", false}, {"put", "c", false}},
			[]string{"c", "b", "a"}},
		{"evicts the least recently put", 2, []op{{"put", "a", false}, {"put", "b", false}, {"put", "c", false},
			{"get", "a", false}}, []string{"c", "b"}},
		{"a get makes an entry the most recent", 2, []op{{"put", "a", false}, {"put", "b", false},
			{"get", "a", true}, {"put", "c", false}, {"get", "b", false}}, []string{"c", "a"}},
		{"putting a key again replaces it in place", 2, []op{{"put", "a", false}, {"put", "b", false},
			{"put", "a", false}, {"put", "c", false}}, []string{"c", "a"}},
		{"delete makes room", 2, []op{{"put", "a", false}, {"put", "b", false}, {"delete", "a", false},
			{"put", "c", false}, {"get", "b", true}}, []string{"b", "c"}},
		{"size 1 keeps the last", 1, []op{{"put", "a", false}, {"put", "b", false}, {"get", "a", false}},
			[]string{"b"}},
		{"deleting a missing key is harmless", 2, []op{{"delete", "x", false}, {"put", "a", false}},
			[]string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[string, string](tt.size, nil)
			for i, o := range tt.ops {
				switch o.do {
				case "put":
					c.Put(o.key, "v-"+o.key, time.Time{})
				case "get":
					v, ok := c.Get(o.key)
					if ok != o.hit || (ok && v != "v-"+o.key) {
						t.Fatalf("op %d: Get(%q) = %q, %v; want hit %v", i, o.key, v, ok, o.hit)
					}
				case "delete":
					c.Delete(o.key)
				}
				if n := len(c.keys(t)); n > tt.size {
					t.Fatalf("op %d: %d entries in a cache of %d", i, n, tt.size)
				}
			}
			if got := c.keys(t); !slices.Equal(got, tt.want) {
				t.Errorf("keys = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	now := start
	c := New[string, int](4, func() time.Time { return now })
	c.Put("forever", 1, time.Time{})
	c.Put("minute", 2, start.Add(time.Minute))
	tests := []struct {
		at        time.Duration // since start
		key       string
		wantHit   bool
		wantStale bool // Peek still finds it
	}{
		{0, "minute", true, true},
		{time.Minute - time.Nanosecond, "minute", true, true},
		{time.Minute, "minute", false, true}, // expires at the instant given
		{time.Hour, "minute", false, true},
		{time.Hour, "forever", true, true},
		{time.Hour, "never-put", false, false},
	}
	for _, tt := range tests {
		now = start.Add(tt.at)
		if _, ok := c.Get(tt.key); ok != tt.wantHit {
			t.Errorf("at +%v: Get(%q) hit = %v, want %v", tt.at, tt.key, ok, tt.wantHit)
		}
		if _, ok := c.Peek(tt.key); ok != tt.wantStale {
			t.Errorf("at +%v: Peek(%q) found = %v, want %v", tt.at, tt.key, ok, tt.wantStale)
		}
	}
	// Putting an expired key again renews it.
	c.Put("minute", 3, now.Add(time.Minute))
	if v, ok := c.Get("minute"); !ok || v != 3 {
		t.Errorf("renewed entry: Get = %d, %v", v, ok)
	}
}

func TestPeekDoesNotMarkUsed(t *testing.T) {
	c := New[string, int](2, nil)
	c.Put("a", 1, time.Time{})
	c.Put("b", 2, time.Time{})
	if v, ok := c.Peek("a"); !ok || v != 1 {
		t.Fatalf("Peek(a) = %d, %v", v, ok)
	}
	c.Put("c", 3, time.Time{})
	if _, ok := c.Get("a"); ok {
		t.Error("a Peek kept the least recently used entry from eviction")
	}
}

// TestOff checks the cache of size 0 (session.cache_entries 0): it is nil
// and holds nothing, whatever is put.
func TestOff(t *testing.T) {
	for _, size := range []int{0, -1} {
		c := New[string, int](size, nil)
		if c != nil {
			t.Fatalf("New(%d) = %v, want nil", size, c)
		}
		c.Put("a", 1, time.Time{})
		if _, ok := c.Get("a"); ok {
			t.Errorf("size %d: Get answered", size)
		}
		if _, ok := c.Peek("a"); ok {
			t.Errorf("size %d: Peek answered", size)
		}
		c.Delete("a")
	}
}

// TestConcurrentUse is for -race: readers and writers of overlapping keys at
// once, with expiring entries; the bound holds throughout.
func TestConcurrentUse(t *testing.T) {
	var clockMu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	c := New[int, string](16, clock)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				k := (i*7 + g) % 40
				switch i % 4 {
				case 0:
					c.Put(k, fmt.Sprint(k), clock().Add(time.Second))
				case 1:
					if v, ok := c.Get(k); ok && v != fmt.Sprint(k) {
						t.Errorf("Get(%d) = %q", k, v)
					}
				case 2:
					c.Peek(k)
				default:
					if g == 0 {
						clockMu.Lock()
						now = now.Add(10 * time.Millisecond)
						clockMu.Unlock()
					}
					if i%40 == 3 {
						c.Delete(k)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := len(c.keys(t)); n > 16 {
		t.Errorf("%d entries in a cache of 16", n)
	}
}

// TestHitAllocatesNothing keeps the hot path's allocation profile: a hit and
// a put into a full cache reuse what is there.
func TestHitAllocatesNothing(t *testing.T) {
	c := New[int, *int](2, nil)
	v := new(int)
	c.Put(1, v, time.Time{})
	c.Put(2, v, time.Time{})
	i := 0
	if n := testing.AllocsPerRun(100, func() {
		c.Get(1)
		c.Get(2)
		i++
		c.Put(i%5+10, v, time.Time{}) // evicts, reusing the entry
	}); n != 0 {
		t.Errorf("%v allocations per hit and full put, want 0", n)
	}
}
