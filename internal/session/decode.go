package session

import (
	"encoding/json"
	"slices"
	"sync"
)

// Clone returns a deep copy of s: changing the copy, down to the groups, the
// extra claims and the sealed tokens, never changes s. Stores return clones
// so that no caller can alias what they keep.
func (s *Session) Clone() *Session {
	c := *s
	c.Groups = slices.Clone(s.Groups)
	c.Sealed = slices.Clone(s.Sealed)
	if s.Extra != nil {
		c.Extra = cloneJSON(s.Extra).(map[string]any)
	}
	return &c
}

// cloneJSON deep-copies a value as encoding/json decodes it into any.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneJSON(e)
		}
		return s
	default:
		return v // string, float64, bool, nil, json.Number: immutable
	}
}

// DecodeCache remembers the decoded form of the session records a store read
// most recently, so that a steady-state request does not parse the same JSON
// again. An entry is used only when the record just read is byte for byte
// the one it was decoded from: the store is still asked on every request, so
// a deleted, expired or rewritten session is never answered from here.
//
// It keeps up to about max entries in two generations: when the current one
// fills, the previous one is dropped, and entries read again move forward.
// The zero value and nil decode without caching.
type DecodeCache struct {
	max       int
	decode    func(raw string, s *Session) error
	mu        sync.Mutex
	cur, prev map[string]*decoded
}

// decoded is never changed once cached; readers clone it.
type decoded struct {
	raw string
	s   *Session
}

// NewDecodeCache returns a cache of at most max(max, 2) records (max <= 0
// disables it: every read decodes) that decodes them with decode (nil: the
// record is the Session as JSON).
func NewDecodeCache(max int, decode func(raw string, s *Session) error) *DecodeCache {
	return &DecodeCache{max: max, decode: decode}
}

// Decode returns a fresh copy of the session that raw, the record stored
// under id, encodes.
func (c *DecodeCache) Decode(id, raw string) (*Session, error) {
	if c != nil && c.max > 0 {
		c.mu.Lock()
		d := c.cur[id]
		if d == nil {
			if d = c.prev[id]; d != nil {
				c.putLocked(id, d)
			}
		}
		c.mu.Unlock()
		if d != nil && d.raw == raw {
			return d.s.Clone(), nil
		}
	}
	var s Session
	var err error
	if c != nil && c.decode != nil {
		err = c.decode(raw, &s)
	} else {
		err = json.Unmarshal([]byte(raw), &s)
	}
	if err != nil {
		return nil, err
	}
	s.ID = id
	if c != nil && c.max > 0 {
		d := &decoded{raw: raw, s: s.Clone()}
		c.mu.Lock()
		c.putLocked(id, d)
		c.mu.Unlock()
	}
	return &s, nil
}

// Forget drops id's entry (after a delete: it could not be served, but it
// need not take memory either).
func (c *DecodeCache) Forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.cur, id)
	delete(c.prev, id)
	c.mu.Unlock()
}

func (c *DecodeCache) putLocked(id string, d *decoded) {
	if c.cur == nil {
		c.cur = make(map[string]*decoded)
	}
	if _, ok := c.cur[id]; !ok && len(c.cur) >= max(c.max/2, 1) {
		c.prev, c.cur = c.cur, make(map[string]*decoded, len(c.cur))
	}
	c.cur[id] = d
	delete(c.prev, id)
}

// Len is the number of cached records (for tests).
func (c *DecodeCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
