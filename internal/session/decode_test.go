package session

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func sampleSession() *Session {
	now := time.Now().UTC().Truncate(time.Second)
	return &Session{
		ID: "id-1", Subject: "alice", Email: "alice@example.com", Groups: []string{"admins", "staff"},
		Extra:     map[string]any{"dept": "ops", "roles": []any{"a", map[string]any{"b": 1.0}}},
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
		Sealed: []byte{1, 2, 3},
	}
}

func TestCloneIsDeep(t *testing.T) {
	orig := sampleSession()
	want := sampleSession()
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("Clone = %+v, want %+v", c, orig)
	}
	c.Groups[0] = "x"
	c.Sealed[0] = 9
	c.Extra["dept"] = "x"
	c.Extra["roles"].([]any)[0] = "x"
	c.Extra["roles"].([]any)[1].(map[string]any)["b"] = 2.0
	if !reflect.DeepEqual(orig, want) {
		t.Fatalf("changing the clone changed the original: %+v", orig)
	}
}

// TestCloneCoversEveryReferenceField fails when a field that can alias
// (slice, map, pointer, interface) is added to Session without Clone
// copying it.
func TestCloneCoversEveryReferenceField(t *testing.T) {
	handled := map[string]bool{"Groups": true, "Extra": true, "Sealed": true}
	typ := reflect.TypeFor[Session]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
			if !handled[f.Name] {
				t.Errorf("Session.%s (%s) is not deep-copied by Clone", f.Name, f.Type)
			}
		}
	}
}

func TestDecodeCache(t *testing.T) {
	s := sampleSession()
	raw1, _ := json.Marshal(s)
	s.Groups = []string{"staff"}
	raw2, _ := json.Marshal(s)

	decodes := 0
	countingDecode := func(raw string, s *Session) error {
		decodes++
		return json.Unmarshal([]byte(raw), s)
	}
	tests := []struct {
		name        string
		cache       *DecodeCache
		wantDecodes int
	}{
		{"cache", NewDecodeCache(100), 3},
		{"disabled", NewDecodeCache(0), 4}, // session.cache_entries 0: every read decodes
		{"nil", nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodes = 0
			for round := range 2 { // the second round is answered from the cache
				got, err := tt.cache.Decode("id-1", string(raw1), countingDecode)
				if err != nil || got.ID != "id-1" || !reflect.DeepEqual(got.Groups, []string{"admins", "staff"}) {
					t.Fatalf("round %d: Decode = %+v, %v", round, got, err)
				}
				got.Groups[0] = "mutated" // must not reach the cached copy
				got.Extra["roles"].([]any)[0] = "mutated"
			}
			// The record changed in the store (e.g. a refresh or a policy
			// change): the new bytes win over the cached decoding.
			got, err := tt.cache.Decode("id-1", string(raw2), countingDecode)
			if err != nil || !reflect.DeepEqual(got.Groups, []string{"staff"}) {
				t.Fatalf("after rewrite: Decode = %+v, %v", got, err)
			}
			if _, err := tt.cache.Decode("id-2", "{broken", countingDecode); err == nil {
				t.Fatal("Decode of a broken record = nil error")
			}
			if decodes != tt.wantDecodes {
				t.Errorf("%d decodes for 4 reads, want %d", decodes, tt.wantDecodes)
			}
			if tt.wantDecodes == 4 && remembered(tt.cache, map[string]string{"id-1": string(raw2)}) != 0 {
				t.Error("a disabled cache holds records")
			}
			tt.cache.Forget("id-1")
			if remembered(tt.cache, map[string]string{"id-1": string(raw2)}) != 0 {
				t.Error("Forget left the record cached")
			}
		})
	}
}

func TestDecodeCacheIsBounded(t *testing.T) {
	raw, _ := json.Marshal(sampleSession())
	for _, size := range []int{1, 4, 10} {
		c := NewDecodeCache(size)
		records := map[string]string{}
		for i := range 100 {
			id := string(rune('a'+i%26)) + string(rune('0'+i/26))
			records[id] = string(raw)
			if _, err := c.Decode(id, string(raw), nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, limit := remembered(c, records), max(size, 2); n > limit || n == 0 {
			t.Errorf("size %d: %d records cached after 100 ids, want 1 to %d", size, n, limit)
		}
		c.Forget("nothing")
	}
}

// remembered counts the records (id → raw) that c answers without decoding
// them: those it holds. Probing caches nothing new (its decode refuses every
// record).
func remembered(c *DecodeCache, records map[string]string) int {
	n := 0
	refuse := func(string, *Session) error { return errors.New("not cached") }
	for id, raw := range records {
		if _, err := c.Decode(id, raw, refuse); err == nil {
			n++
		}
	}
	return n
}

// TestDecodeTransient: a transient decoding is answered from the cache when
// it holds the very bytes, but a new one is not remembered and evicts
// nothing.
func TestDecodeTransient(t *testing.T) {
	raw, _ := json.Marshal(sampleSession())
	c := NewDecodeCache(1)
	if _, err := c.Decode("kept", string(raw), nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.DecodeTransient("passing", string(raw), nil)
	if err != nil || got.ID != "passing" || got.Subject != sampleSession().Subject {
		t.Fatalf("DecodeTransient = %+v, %v", got, err)
	}
	if n := remembered(c, map[string]string{"kept": string(raw), "passing": string(raw)}); n != 1 {
		t.Fatalf("%d records cached, want 1: the transient one was kept or evicted the other", n)
	}
	refuse := func(string, *Session) error { return errors.New("decoded again") }
	if _, err := c.DecodeTransient("kept", string(raw), refuse); err != nil {
		t.Fatalf("DecodeTransient of cached bytes decoded them again: %v", err)
	}
}
