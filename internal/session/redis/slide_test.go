package redis

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
)

// TestSlideSkipsIndex: an Update that only slides the idle timeout writes
// the record (and, with the client-side cache, its fence) and nothing else;
// any other change, or a TTL past the absolute end, still writes the index.
func TestSlideSkipsIndex(t *testing.T) {
	const prefix = "slide:"
	base := func(t *testing.T) *session.Session {
		now := time.Now()
		return &session.Session{ID: sessiontest.NewID(t), Subject: "u-" + sessiontest.NewID(t), IDPSessionID: "sid-1",
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	}
	for _, tc := range []struct {
		name   string
		change func(s *session.Session)
		ttl    time.Duration
		index  bool // the index scripts run
	}{
		{"slide", func(*session.Session) {}, time.Hour, false},
		// The last idle window: the TTL ends a little before the absolute end.
		{"slide near the absolute end", func(s *session.Session) { s.ExpiresAt = time.Now().Add(30 * time.Minute) }, 0, false},
		{"ttl past the absolute end", func(*session.Session) {}, 48 * time.Hour, true},
		{"new subject", func(s *session.Session) { s.Subject += "-2" }, time.Hour, true},
		{"new sid", func(s *session.Session) { s.IDPSessionID = "sid-2" }, time.Hour, true},
		{"sid dropped", func(s *session.Session) { s.IDPSessionID = "" }, time.Hour, true},
		{"later absolute end", func(s *session.Session) { s.ExpiresAt = s.ExpiresAt.Add(time.Hour) }, time.Hour, true},
	} {
		for _, cache := range []time.Duration{0, time.Minute} {
			t.Run(tc.name+map[bool]string{false: "", true: " cached"}[cache != 0], func(t *testing.T) {
				srv := redistest.Start(t)
				st := open(t, Options{Addresses: []string{srv.Addr()}, KeyPrefix: prefix, ClientCache: cache}, nil)
				ctx := t.Context()
				sess := base(t)
				prepare := *sess
				tc.change(&prepare)
				saveTTL := time.Hour
				if tc.ttl == 0 {
					sess.ExpiresAt = prepare.ExpiresAt // the short lifetime is the case, not a change
					saveTTL = 20 * time.Minute
				}
				if err := st.Save(ctx, sess, saveTTL); err != nil {
					t.Fatal(err)
				}
				if _, err := st.Load(ctx, sess.ID); err != nil { // as the request path does
					t.Fatal(err)
				}
				next := prepare
				next.LastSeenAt = sess.LastSeenAt.Add(time.Minute)
				ttl := tc.ttl
				if ttl == 0 {
					ttl = time.Until(next.ExpiresAt) - time.Second
				}
				calls, scripts := srv.DataCalls(t), commandCalls(t, srv, "evalsha")+commandCalls(t, srv, "eval")
				if err := st.Update(ctx, &next, ttl); err != nil {
					t.Fatalf("Update: %v", err)
				}
				ran := commandCalls(t, srv, "evalsha")+commandCalls(t, srv, "eval")-scripts > 0
				if ran != tc.index {
					t.Errorf("index scripts ran: %v, want %v", ran, tc.index)
				}
				want := 1 // SET XX GET
				if cache != 0 {
					want = 2 // and its PTTL fence
				}
				if got := srv.DataCalls(t) - calls; !tc.index && got != want {
					t.Errorf("a slide ran %d Redis commands, want %d", got, want)
				}
				got, err := st.Load(ctx, sess.ID)
				if err != nil || !got.LastSeenAt.Equal(next.LastSeenAt) {
					t.Fatalf("Load after the slide = %+v, %v", got, err)
				}
				listed, err := st.SessionsBySubject(ctx, next.Subject)
				if err != nil || len(listed) != 1 || listed[0].ID != sess.ID {
					t.Errorf("SessionsBySubject after the Update = %d sessions, %v; want the session", len(listed), err)
				}
				// The index lasts as long as the session can: to its absolute
				// end, or to the TTL's end when that is later.
				until := next.ExpiresAt
				if end := time.Now().Add(ttl); end.After(until) {
					until = end
				}
				rc := rawClient(t, srv.Addr())
				pttl, err := rc.Do(ctx, rc.B().Pttl().Key(prefix+"sub:"+next.Subject).Build()).AsInt64()
				if err != nil {
					t.Fatal(err)
				}
				if left := time.Duration(pttl) * time.Millisecond; left < time.Until(until)-time.Minute || left > time.Until(until)+time.Minute {
					t.Errorf("subject index expires in %v, want about %v", left, time.Until(until))
				}
			})
		}
	}
}

// TestSlideOfDeletedWritesNothing: SET XX writes nothing for a session that
// is gone, and no index script runs to bring its entries back.
func TestSlideOfDeletedWritesNothing(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, srv.Addr(), "gone:", nil)
	ctx := t.Context()
	now := time.Now()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u", IDPSessionID: "sid", LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := st.Save(ctx, sess, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	scripts := commandCalls(t, srv, "evalsha") + commandCalls(t, srv, "eval")
	sess.LastSeenAt = now.Add(time.Minute)
	if err := st.Update(ctx, sess, time.Hour); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of a deleted session = %v, want ErrNotFound", err)
	}
	if ran := commandCalls(t, srv, "evalsha") + commandCalls(t, srv, "eval") - scripts; ran != 0 {
		t.Errorf("%d index scripts ran for a deleted session", ran)
	}
	if keys := srv.Keys(t, "gone:*"); len(keys) != 0 {
		t.Errorf("keys after a slide of a deleted session: %q", keys)
	}
}
