package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// InstrumentStore returns s with every call timed into
// gatehouse_store_operation_duration_seconds. With nil metrics it returns s
// itself.
//
// This is the one place that times the store's calls: a backend that keeps
// latency series of its own (the Redis store's
// gatehouse_redis_command_duration_seconds) implements StoreCallObserver and
// is handed the same measurement, instead of reading the clock again.
func (m *Metrics) InstrumentStore(s session.Backend) session.Backend {
	if m == nil {
		return s
	}
	t := &timedStore{Backend: s, m: m}
	t.backend, _ = s.(StoreCallObserver)
	return t
}

// StoreCallObserver is a backend that records the duration of its own Store
// calls in its own series. op is the "operation" label: load, save, update,
// delete, claim or ping.
type StoreCallObserver interface {
	ObserveStoreCall(op string, d time.Duration)
}

// storeOp is a timed store call; storeOpNames are its "operation" labels.
type storeOp int

const (
	opLoad storeOp = iota
	opSave
	opUpdate
	opDelete
	opClaim
	opPing
	numStoreOps
)

var storeOpNames = [numStoreOps]string{"load", "save", "update", "delete", "claim", "ping"}

// The "result" labels, by index.
const (
	resultOK = iota
	resultNotFound
	resultError
	numResults
)

var resultNames = [numResults]string{"ok", "not_found", "error"}

// timedStore times the Store methods (the request path's calls); the Locker
// and Index methods, and any added later, pass through the embedded backend
// untimed.
type timedStore struct {
	session.Backend
	m *Metrics
	// The histogram children, resolved on first use (as upstreamClass).
	children [numStoreOps][numResults]lazyObserver
	backend  StoreCallObserver // nil: the backend keeps no series of its own
}

// Unwrap is the store timed: the proxy looks through to what a backend
// offers besides session.Backend (the Redis store's kept assertions).
func (t *timedStore) Unwrap() session.Backend { return t.Backend }

func (t *timedStore) observe(op storeOp, started time.Time, err error) {
	result := resultOK
	switch {
	case errors.Is(err, session.ErrNotFound):
		result = resultNotFound
	case err != nil:
		result = resultError
	}
	c := &t.children[op][result]
	c.once.Do(func() { c.obs = t.m.storeDuration.WithLabelValues(storeOpNames[op], resultNames[result]) })
	d := time.Since(started)
	c.obs.Observe(d.Seconds())
	if t.backend != nil {
		t.backend.ObserveStoreCall(storeOpNames[op], d)
	}
}

func (t *timedStore) Load(ctx context.Context, id string) (*session.Session, error) {
	started := time.Now()
	s, err := t.Backend.Load(ctx, id)
	t.observe(opLoad, started, err)
	return s, err
}

// LoadWithAssertion is timed as a load: it is the load of a session whose
// kept identity assertion may ride along (the Redis store). A backend
// without kept assertions loads the record alone (read false).
func (t *timedStore) LoadWithAssertion(ctx context.Context, id string) (*session.Session, []byte, bool, error) {
	kl, ok := t.Backend.(interface {
		LoadWithAssertion(ctx context.Context, id string) (*session.Session, []byte, bool, error)
	})
	if !ok {
		s, err := t.Load(ctx, id)
		return s, nil, false, err
	}
	started := time.Now()
	s, kept, read, err := kl.LoadWithAssertion(ctx, id)
	t.observe(opLoad, started, err)
	return s, kept, read, err
}

func (t *timedStore) Save(ctx context.Context, s *session.Session, ttl time.Duration) error {
	started := time.Now()
	err := t.Backend.Save(ctx, s, ttl)
	t.observe(opSave, started, err)
	return err
}

func (t *timedStore) Update(ctx context.Context, s *session.Session, ttl time.Duration) error {
	started := time.Now()
	err := t.Backend.Update(ctx, s, ttl)
	t.observe(opUpdate, started, err)
	return err
}

func (t *timedStore) Delete(ctx context.Context, id string) error {
	started := time.Now()
	err := t.Backend.Delete(ctx, id)
	t.observe(opDelete, started, err)
	return err
}

func (t *timedStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	started := time.Now()
	first, err := t.Backend.Claim(ctx, key, ttl)
	t.observe(opClaim, started, err)
	return first, err
}

func (t *timedStore) Ping(ctx context.Context) error {
	started := time.Now()
	err := t.Backend.Ping(ctx)
	t.observe(opPing, started, err)
	return err
}
