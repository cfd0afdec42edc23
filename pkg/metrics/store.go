package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/pkg/session"
)

// InstrumentStore returns s with every call timed into
// gatehouse_store_operation_duration_seconds. With nil metrics it returns s
// itself.
func (m *Metrics) InstrumentStore(s session.Backend) session.Backend {
	if m == nil {
		return s
	}
	return &timedStore{Backend: s, m: m}
}

// timedStore times the Store methods (the request path's calls); the Locker
// and Index methods, and any added later, pass through the embedded backend
// untimed.
type timedStore struct {
	session.Backend
	m *Metrics
}

func (t *timedStore) observe(op string, started time.Time, err error) {
	result := "ok"
	switch {
	case errors.Is(err, session.ErrNotFound):
		result = "not_found"
	case err != nil:
		result = "error"
	}
	t.m.storeDuration.WithLabelValues(op, result).Observe(time.Since(started).Seconds())
}

func (t *timedStore) Load(ctx context.Context, id string) (*session.Session, error) {
	started := time.Now()
	s, err := t.Backend.Load(ctx, id)
	t.observe("load", started, err)
	return s, err
}

func (t *timedStore) Save(ctx context.Context, s *session.Session, ttl time.Duration) error {
	started := time.Now()
	err := t.Backend.Save(ctx, s, ttl)
	t.observe("save", started, err)
	return err
}

func (t *timedStore) Update(ctx context.Context, s *session.Session, ttl time.Duration) error {
	started := time.Now()
	err := t.Backend.Update(ctx, s, ttl)
	t.observe("update", started, err)
	return err
}

func (t *timedStore) Delete(ctx context.Context, id string) error {
	started := time.Now()
	err := t.Backend.Delete(ctx, id)
	t.observe("delete", started, err)
	return err
}

func (t *timedStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	started := time.Now()
	first, err := t.Backend.Claim(ctx, key, ttl)
	t.observe("claim", started, err)
	return first, err
}

func (t *timedStore) Ping(ctx context.Context) error {
	started := time.Now()
	err := t.Backend.Ping(ctx)
	t.observe("ping", started, err)
	return err
}
