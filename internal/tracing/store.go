package tracing

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/internal/session"
)

// InstrumentStore returns s with a span around each call the request path
// makes (as metrics.InstrumentStore times them). system is the store's kind
// as configured: "redis" or "memory".
//
// A call gets a span only inside a traced request: readiness probes and
// background work would otherwise each start a trace of one span. Methods
// added to session.Backend later pass through the embedded backend untraced.
func InstrumentStore(tp trace.TracerProvider, system string, s session.Backend) session.Backend {
	db := semconv.DBSystemNameKey.String(storeSystem)
	if system == "redis" {
		db = semconv.DBSystemNameRedis
	}
	return &tracedStore{Backend: s, tracer: tp.Tracer(instrumentation), db: db}
}

type tracedStore struct {
	session.Backend
	tracer trace.Tracer
	db     attribute.KeyValue
}

// start starts the span of one call; ok is false outside a traced request.
// Keys (login states, lock names, subjects, provider sids) are not
// recorded: they name users or are one-time values. A session appears as
// its hash (Session).
func (t *tracedStore) start(ctx context.Context, op string, attrs ...attribute.KeyValue) (context.Context, trace.Span, bool) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, nil, false
	}
	ctx, span := t.tracer.Start(ctx, "store "+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(append(attrs, t.db, semconv.DBOperationName(op))...))
	return ctx, span, true
}

// end ends a call's span. A missing session is an answer, not an error.
func end(span trace.Span, err error) {
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		span.SetAttributes(errorType(err))
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

func (t *tracedStore) Load(ctx context.Context, id string) (*session.Session, error) {
	ctx, span, ok := t.start(ctx, "load", Session(id))
	s, err := t.Backend.Load(ctx, id)
	if ok {
		end(span, err)
	}
	return s, err
}

func (t *tracedStore) Save(ctx context.Context, s *session.Session, ttl time.Duration) error {
	ctx, span, ok := t.start(ctx, "save", Session(s.ID))
	err := t.Backend.Save(ctx, s, ttl)
	if ok {
		end(span, err)
	}
	return err
}

func (t *tracedStore) Update(ctx context.Context, s *session.Session, ttl time.Duration) error {
	ctx, span, ok := t.start(ctx, "update", Session(s.ID))
	err := t.Backend.Update(ctx, s, ttl)
	if ok {
		end(span, err)
	}
	return err
}

func (t *tracedStore) Delete(ctx context.Context, id string) error {
	ctx, span, ok := t.start(ctx, "delete", Session(id))
	err := t.Backend.Delete(ctx, id)
	if ok {
		end(span, err)
	}
	return err
}

func (t *tracedStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, span, ok := t.start(ctx, "claim")
	first, err := t.Backend.Claim(ctx, key, ttl)
	if ok {
		end(span, err)
	}
	return first, err
}

func (t *tracedStore) Ping(ctx context.Context) error {
	ctx, span, ok := t.start(ctx, "ping")
	err := t.Backend.Ping(ctx)
	if ok {
		end(span, err)
	}
	return err
}

func (t *tracedStore) TryLock(ctx context.Context, key string, ttl time.Duration) (string, error) {
	ctx, span, ok := t.start(ctx, "lock")
	token, err := t.Backend.TryLock(ctx, key, ttl)
	if ok {
		end(span, err)
	}
	return token, err
}

func (t *tracedStore) Unlock(ctx context.Context, key, token string) error {
	ctx, span, ok := t.start(ctx, "unlock")
	err := t.Backend.Unlock(ctx, key, token)
	if ok {
		end(span, err)
	}
	return err
}

func (t *tracedStore) SessionsBySubject(ctx context.Context, subject string) ([]*session.Session, error) {
	ctx, span, ok := t.start(ctx, "sessions_by_subject")
	list, err := t.Backend.SessionsBySubject(ctx, subject)
	if ok {
		end(span, err)
	}
	return list, err
}

func (t *tracedStore) DeleteBySubject(ctx context.Context, subject string) ([]string, error) {
	ctx, span, ok := t.start(ctx, "delete_by_subject")
	ids, err := t.Backend.DeleteBySubject(ctx, subject)
	if ok {
		end(span, err)
	}
	return ids, err
}

func (t *tracedStore) DeleteByIDPSession(ctx context.Context, sid string) ([]string, error) {
	ctx, span, ok := t.start(ctx, "delete_by_idp_session")
	ids, err := t.Backend.DeleteByIDPSession(ctx, sid)
	if ok {
		end(span, err)
	}
	return ids, err
}
