package redis

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// Most Updates only slide the idle timeout: the request path rewrites the
// record with a new LastSeenAt every few minutes per active session. Its
// index entries need no writing then. Every index write scores a session at
// least its absolute end, ExpiresAt (index.go), scores only grow (ZADD GT),
// members are pruned only past their score and an index key expires with its
// last member; so while subject, IdP sid and ExpiresAt are those of the
// record replaced and the new TTL ends by ExpiresAt, the entries written for
// that record already outlast the new one. Skipping the two index scripts
// takes an Update from about 14 Redis commands (with those the scripts run)
// to the SET and its fence.

// indexed reports whether sess, just written over the record previous for
// ttl, is already indexed for as long as it can now live.
func (s *Store) indexed(sess *session.Session, previous string, ttl time.Duration) bool {
	if time.Now().Add(ttl).After(sess.ExpiresAt) {
		return false // the TTL reaches past the absolute end: extend the index
	}
	// The Load this Update follows decoded the very same bytes: for a
	// session in steady use they are in the decode cache; otherwise they
	// are parsed once more (a slide is at most every few minutes) and not
	// remembered, the record being replaced.
	old, err := s.decoded.DecodeTransient(sess.ID, previous, decodeRecord)
	if err != nil {
		return false // unreadable: index as for any other write
	}
	return old.Subject == sess.Subject &&
		old.IDPSessionID == sess.IDPSessionID &&
		old.ExpiresAt.Equal(sess.ExpiresAt)
}
