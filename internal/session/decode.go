package session

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
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
// a deleted, expired or rewritten session is never answered from here, and a
// cached decoding never outlives a logout or a revocation.
//
// It keeps up to max records, evicting the least recently read. A nil
// *DecodeCache decodes without caching.
type DecodeCache struct {
	records *cache.Cache[string, decoded] // by session id; nil: off
}

// decoded is never changed once cached; readers clone s.
type decoded struct {
	raw string
	s   *Session
}

// NewDecodeCache returns a cache of at most max records; max <= 0 disables
// it: every read decodes.
func NewDecodeCache(max int) *DecodeCache {
	return &DecodeCache{records: cache.New[string, decoded](max, nil)}
}

// Decode returns a fresh copy of the session that raw, the record stored
// under id, encodes, decoding it with decode (nil: the record is the Session
// as JSON) unless the cache holds the decoding of these very bytes. A record
// that does not decode is not remembered.
func (c *DecodeCache) Decode(id, raw string, decode func(raw string, s *Session) error) (*Session, error) {
	return c.decode(id, raw, decode, true)
}

// DecodeTransient is Decode for a record not expected to be read again
// soon (with many sessions in use, most reads): the cache answers when it
// holds these bytes, but a new decoding is not remembered, which spares
// its copy and the eviction of a record that is read again.
func (c *DecodeCache) DecodeTransient(id, raw string, decode func(raw string, s *Session) error) (*Session, error) {
	return c.decode(id, raw, decode, false)
}

func (c *DecodeCache) decode(id, raw string, decode func(raw string, s *Session) error, keep bool) (*Session, error) {
	var records *cache.Cache[string, decoded]
	if c != nil {
		records = c.records
	}
	if d, ok := records.Get(id); ok && d.raw == raw {
		return d.s.Clone(), nil
	}
	var s Session
	var err error
	if decode != nil {
		err = decode(raw, &s)
	} else {
		err = json.Unmarshal([]byte(raw), &s)
	}
	if err != nil {
		return nil, err
	}
	s.ID = id
	if keep && records != nil {
		records.Put(id, decoded{raw: raw, s: s.Clone()}, time.Time{})
	}
	return &s, nil
}

// Forget drops id's entry (after a delete: it could not be served, but it
// need not take memory either).
func (c *DecodeCache) Forget(id string) {
	if c != nil {
		c.records.Delete(id)
	}
}
