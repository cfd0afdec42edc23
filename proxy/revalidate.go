package proxy

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// revalidator re-reads an identity from userinfo with a still-valid access
// token (oidcclient.Client). A provider without it is never revalidated.
type revalidator interface {
	Revalidate(ctx context.Context, accessToken, previousIDToken, subject string) (map[string]any, error)
}

// revalidateIfDue applies session.revalidate_interval to a session whose
// tokens need no refresh: once in every interval since login (counted from
// CreatedAt), the first request of the period, on whichever replica, asks
// userinfo for the identity. The period is claimed in the store, so one
// replica asks; the work runs under the session's refresh lock, so it never
// races a refresh (whose record write it would undo). A refresh in progress
// re-reads the identity itself, so a busy lock is skipped.
func (h *Handler) revalidateIfDue(ctx context.Context, s *session.Session, key []byte) (*session.Session, error) {
	interval := h.opts.revalidateInterval
	rv, ok := h.oidc.(revalidator)
	if interval <= 0 || !ok {
		return s, nil
	}
	period := h.now().Sub(s.CreatedAt) / interval
	if period < 1 {
		return s, nil
	}
	hash := session.HashID(s.ID)
	log := h.log(ctx).With(zap.String("session", hash), zap.String("user", s.Subject))
	// A store that fails here fails the request as any store error does
	// (503): the session was read a moment ago, so it is rare and brief.
	first, err := h.store.Claim(ctx, fmt.Sprintf("revalidate:%s:%d", hash, period), interval)
	if err != nil {
		return nil, err
	}
	if !first {
		return s, nil
	}
	lockKey := "refresh:" + hash
	token, err := h.store.TryLock(ctx, lockKey, refreshLockTTL)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return s, nil
	}
	cur, err := h.revalidateLocked(ctx, s, key, rv, log)
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	if uerr := h.store.Unlock(unlockCtx, lockKey, token); uerr != nil {
		log.Warn("release refresh lock (it expires by itself)", zap.Error(uerr))
	}
	cancel()
	return cur, err
}

// revalidateLocked runs with the refresh lock held, on the session as the
// store holds it now.
func (h *Handler) revalidateLocked(ctx context.Context, s *session.Session, key []byte, rv revalidator, log *zap.Logger) (*session.Session, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	cur, err := h.store.Load(ctx, s.ID)
	if errors.Is(err, session.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cur.ID = s.ID
	tokens, err := session.Open(key, cur.ID, cur.Sealed)
	if err != nil || tokens.AccessToken == "" {
		return cur, nil
	}
	claims, err := rv.Revalidate(ctx, tokens.AccessToken, tokens.IDToken, cur.Subject)
	switch {
	case errors.Is(err, oidcclient.ErrUserinfoUnauthorized):
		return h.endRefused(ctx, log, cur, "userinfo no longer accepts the access token", err)
	case err != nil:
		log.Warn("identity revalidation failed; keeping the identity until the next period", zap.Error(err))
		return cur, nil
	case claims == nil:
		return cur, nil
	}
	changed, err := h.reidentify(cur, claims)
	if err != nil {
		return h.endRefused(ctx, log, cur, "the revalidated identity is refused", err)
	}
	if !changed {
		return cur, nil
	}
	err = h.store.Update(ctx, cur, h.sessionTTL(cur))
	if errors.Is(err, session.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	log.Info("identity changed at the provider (revalidation); policy and assertion follow")
	return cur, nil
}
