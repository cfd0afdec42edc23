package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/session"
)

// The indexes are sorted sets: member = session id, score = the latest time
// (Unix ms) the session can exist. A score lets every write prune members whose
// session is certainly gone and give the key a TTL equal to its longest-lived
// member, without reading the session keys, which may live on other Cluster
// slots. A session deleted by Delete leaves its indexes at once; one that
// expired on its own is dropped at its score or when a read finds it missing.
//
// indexScript adds (or extends, never shortens) one member, drops members
// past their score and sets the key to expire with its last member.
// KEYS[1] index key; ARGV[1] session id, ARGV[2] its score, ARGV[3] now (ms).
var indexScript = rueidis.NewLuaScript(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2])))
end
return 1`)

// scanCount is the COUNT hint of each SCAN page in AllSessions: big enough to
// be quick, small enough never to block Redis.
const scanCount = 500

func (s *Store) subjectKey(sub string) string { return s.prefix + "sub:" + sub }
func (s *Store) sidKey(sid string) string     { return s.prefix + "sid:" + sid }

// index records sess in its subject and sid indexes. It runs after every
// successful write of the session.
func (s *Store) index(ctx context.Context, op string, sess *session.Session, ttl time.Duration) error {
	now := time.Now()
	until := now.Add(ttl)
	if sess.ExpiresAt.After(until) {
		// The session's ttl is slid up to its absolute end; index for that long
		// so a later Update need not extend the index first.
		until = sess.ExpiresAt
	}
	args := []string{sess.ID, strconv.FormatInt(until.UnixMilli()+1, 10), strconv.FormatInt(now.UnixMilli(), 10)}
	keys := []string{s.subjectKey(sess.Subject)}
	if sess.IDPSessionID != "" {
		keys = append(keys, s.sidKey(sess.IDPSessionID))
	}
	return s.run(ctx, op, func(ctx context.Context, cl rueidis.Client) error {
		for _, k := range keys {
			if err := indexScript.Exec(ctx, cl, []string{k}, args).Error(); err != nil {
				return err
			}
		}
		return nil
	})
}

// SessionsBySubject returns the subject's live sessions; members whose
// session is gone are removed from the index on the way.
func (s *Store) SessionsBySubject(ctx context.Context, subject string) ([]*session.Session, error) {
	ids, err := s.members(ctx, s.subjectKey(subject))
	if err != nil {
		return nil, err
	}
	return s.loadMany(ctx, "sessions by subject", ids, s.subjectKey(subject))
}

// DeleteBySubject deletes every session of subject.
func (s *Store) DeleteBySubject(ctx context.Context, subject string) ([]string, error) {
	ids, err := s.members(ctx, s.subjectKey(subject))
	if err != nil {
		return nil, err
	}
	return s.deleteIDs(ctx, "delete by subject", ids)
}

// SessionsByIDPSession returns the live sessions with that IdP sid; members
// whose session is gone are removed from the index on the way.
func (s *Store) SessionsByIDPSession(ctx context.Context, sid string) ([]*session.Session, error) {
	if sid == "" {
		return []*session.Session{}, nil
	}
	ids, err := s.members(ctx, s.sidKey(sid))
	if err != nil {
		return nil, err
	}
	return s.loadMany(ctx, "sessions by idp session", ids, s.sidKey(sid))
}

// DeleteByIDPSession deletes every session with that IdP sid.
func (s *Store) DeleteByIDPSession(ctx context.Context, sid string) ([]string, error) {
	if sid == "" {
		return []string{}, nil
	}
	ids, err := s.members(ctx, s.sidKey(sid))
	if err != nil {
		return nil, err
	}
	return s.deleteIDs(ctx, "delete by idp session", ids)
}

// AllSessions SCANs every node for session keys, page by page, and loads them.
func (s *Store) AllSessions(ctx context.Context) ([]*session.Session, error) {
	pattern := escapeGlob(s.prefix+"s:") + "*"
	seen := map[string]bool{}
	var ids []string
	err := s.run(ctx, "all sessions", func(ctx context.Context, cl rueidis.Client) error {
		// On Cluster every master holds a share of the keys; Nodes lists them
		// (and replicas, whose keys repeat and are dropped as seen).
		for _, node := range cl.Nodes() {
			cursor := uint64(0)
			for {
				entry, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(pattern).Count(scanCount).Build()).AsScanEntry()
				if err != nil {
					return err
				}
				for _, k := range entry.Elements {
					id := strings.TrimPrefix(k, s.prefix+"s:")
					if !seen[id] {
						seen[id] = true
						ids = append(ids, id)
					}
				}
				if cursor = entry.Cursor; cursor == 0 {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.loadMany(ctx, "all sessions", ids, "")
}

// members returns every id in an index, live or not.
func (s *Store) members(ctx context.Context, key string) ([]string, error) {
	res, err := s.do(ctx, "read index", func(b rueidis.Builder) rueidis.Completed {
		return b.Zrange().Key(key).Min("0").Max("-1").Build()
	})
	if err != nil {
		return nil, err
	}
	ids, err := res.AsStrSlice()
	if err != nil && !rueidis.IsRedisNil(err) {
		return nil, unavailable("read index", err)
	}
	return ids, nil
}

// loadMany GETs the ids (rueidis sends one command per key and routes each to
// its slot). Ids without a session are removed from index when it is set.
func (s *Store) loadMany(ctx context.Context, op string, ids []string, index string) ([]*session.Session, error) {
	out := []*session.Session{}
	var stale []string
	err := s.run(ctx, op, func(ctx context.Context, cl rueidis.Client) error {
		cmds := make(rueidis.Commands, len(ids))
		for i, id := range ids {
			cmds[i] = cl.B().Get().Key(s.sessionKey(id)).Build()
		}
		for i, res := range cl.DoMulti(ctx, cmds...) {
			data, err := res.ToString()
			if rueidis.IsRedisNil(err) {
				stale = append(stale, ids[i])
				continue
			}
			if err != nil {
				return err
			}
			var sess session.Session
			if err := decodeRecord(data, &sess); err != nil {
				s.logger.Warn("unreadable session record; skipped", zap.String("session", session.HashID(ids[i])), zap.Error(err))
				continue
			}
			sess.ID = ids[i]
			out = append(out, &sess)
		}
		if index != "" && len(stale) > 0 {
			return cl.Do(ctx, cl.B().Zrem().Key(index).Member(stale...).Build()).Error()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteIDs deletes sessions with GETDEL, which also tells whose index
// entries to remove, and returns the ids that existed.
func (s *Store) deleteIDs(ctx context.Context, op string, ids []string) ([]string, error) {
	deleted := []string{}
	if len(ids) == 0 {
		return deleted, nil
	}
	err := s.run(ctx, op, func(ctx context.Context, cl rueidis.Client) error {
		cmds := make(rueidis.Commands, len(ids), 2*len(ids))
		for i, id := range ids {
			cmds[i] = cl.B().Getdel().Key(s.sessionKey(id)).Build()
		}
		for _, id := range ids {
			// The kept assertion goes with the session (assertion.go).
			if key, ok := s.assertionKey(id); ok {
				cmds = append(cmds, cl.B().Del().Key(key).Build())
			}
		}
		if s.cacheTTL != 0 {
			// The same fence as doWrite: once these replies arrive, this
			// replica's cached copies of the deleted sessions are gone.
			for _, id := range ids {
				cmds = append(cmds, cl.B().Pttl().Key(s.sessionKey(id)).Build())
			}
		}
		var unindex rueidis.Commands
		for _, id := range ids {
			s.decoded.Forget(id)
		}
		for i, res := range cl.DoMulti(ctx, cmds...)[:len(ids)] {
			data, err := res.ToString()
			if rueidis.IsRedisNil(err) {
				continue
			}
			if err != nil {
				return err
			}
			deleted = append(deleted, ids[i])
			var sess session.Session
			if decodeRecord(data, &sess) != nil {
				continue // unreadable: its index entries expire with their score
			}
			unindex = append(unindex, cl.B().Zrem().Key(s.subjectKey(sess.Subject)).Member(ids[i]).Build())
			if sess.IDPSessionID != "" {
				unindex = append(unindex, cl.B().Zrem().Key(s.sidKey(sess.IDPSessionID)).Member(ids[i]).Build())
			}
		}
		for _, res := range cl.DoMulti(ctx, unindex...) {
			if err := res.Error(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (deleted before the failure: %d)", err, len(deleted))
	}
	return deleted, nil
}

// escapeGlob quotes the characters SCAN MATCH treats as a pattern, so a key
// prefix is matched literally.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
