// Package sessionadmin is what `gatehouse sessions list|revoke` do: show the
// sessions in the store and end them, by user, by session or all at once.
// Operators only ever see a session as session.HashID of its id, never the id.
package sessionadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// Store is what the commands need from a session backend.
type Store interface {
	session.Index
	Delete(ctx context.Context, id string) error
}

// Row is one session as an operator sees it.
type Row struct {
	Session  string // session.HashID of the id
	Subject  string
	Email    string
	Created  time.Time
	LastSeen time.Time
	// Expires is when the session ends unless used again: the idle timeout
	// after LastSeen, or the absolute end, whichever comes first.
	Expires time.Time
	// Address and Device say where the login happened (the client's /24 or
	// /48 and a coarse browser description); "" for sessions from before
	// gatehouse recorded them.
	Address, Device string
}

// List returns the sessions of subject, or all sessions when subject is
// empty, oldest first. idleTimeout is session.idle_timeout, for Expires.
func List(ctx context.Context, st Store, subject string, idleTimeout time.Duration) ([]Row, error) {
	var sessions []*session.Session
	var err error
	if subject != "" {
		sessions, err = st.SessionsBySubject(ctx, subject)
	} else {
		sessions, err = st.AllSessions(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	rows := make([]Row, 0, len(sessions))
	for _, s := range sessions {
		expires := s.ExpiresAt
		if idle := s.LastSeenAt.Add(idleTimeout); idleTimeout > 0 && idle.Before(expires) {
			expires = idle
		}
		rows = append(rows, Row{
			Session: session.HashID(s.ID), Subject: s.Subject, Email: s.Email,
			Created: s.CreatedAt, LastSeen: s.LastSeenAt, Expires: expires,
			Address: s.Address, Device: s.Device,
		})
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Session, b.Session))
	})
	return rows, nil
}

// WriteTable prints rows as an aligned table with times in UTC.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// The device comes last: it holds spaces ("Chrome on Linux"), and the
	// columns before it stay splittable on whitespace.
	fmt.Fprintln(tw, "SESSION\tSUBJECT\tEMAIL\tCREATED\tLAST SEEN\tEXPIRES\tNETWORK\tDEVICE")
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	orDash := func(s string) string { return cmp.Or(printable(s), "-") }
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Session, printable(r.Subject), printable(r.Email),
			ts(r.Created), ts(r.LastSeen), ts(r.Expires), orDash(r.Address), orDash(r.Device))
	}
	return tw.Flush()
}

// printable keeps a claim from moving the terminal's cursor or colours.
func printable(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r < 0x20 || r == 0x7f {
			out[i] = '?'
		}
	}
	return string(out)
}

// Target says which sessions Revoke ends; exactly one field is set.
type Target struct {
	Subject string // every session of this user
	Session string // the session whose HashID this is (as List prints it)
	All     bool   // every session in the store
}

// ErrTarget means the Target names none or more than one kind of target.
var ErrTarget = errors.New("sessionadmin: give exactly one of a user, a session or all")

// ErrNoSuchSession means no live session has the given hash.
var ErrNoSuchSession = errors.New("sessionadmin: no such session")

// Revoke deletes the sessions target names and returns their hashes. Every
// replica reads sessions from the store, so each refuses them from its next
// request on.
func Revoke(ctx context.Context, st Store, target Target) ([]string, error) {
	set := 0
	for _, on := range []bool{target.Subject != "", target.Session != "", target.All} {
		if on {
			set++
		}
	}
	if set != 1 {
		return nil, ErrTarget
	}
	var ids []string
	switch {
	case target.Subject != "":
		deleted, err := st.DeleteBySubject(ctx, target.Subject)
		if err != nil {
			return nil, fmt.Errorf("revoke sessions of %q: %w", target.Subject, err)
		}
		ids = deleted
	default:
		all, err := st.AllSessions(ctx)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		for _, s := range all {
			if target.All || session.HashID(s.ID) == target.Session {
				if err := st.Delete(ctx, s.ID); err != nil {
					return hashes(ids), fmt.Errorf("revoke session %s: %w", session.HashID(s.ID), err)
				}
				ids = append(ids, s.ID)
			}
		}
		if target.Session != "" && len(ids) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoSuchSession, target.Session)
		}
	}
	return hashes(ids), nil
}

func hashes(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = session.HashID(id)
	}
	slices.Sort(out)
	return out
}
