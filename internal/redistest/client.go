package redistest

import (
	"context"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// Client returns a client connected to this one server only (no cluster
// routing, no client-side cache), closed with the test. It is how tests set
// up users, read INFO or inspect keys behind the store's back.
func (s *Server) Client() rueidis.Client {
	s.t.Helper()
	c := s.connect()
	s.t.Cleanup(c.Close)
	return c
}

// connect is Client for a caller that closes the client itself.
func (s *Server) connect() rueidis.Client {
	s.t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:       []string{s.Addr()},
		ForceSingleClient: true,
		DisableCache:      true,
		// Redis 7.0 does not know CLIENT SETINFO; skipping it keeps the
		// server's error statistics for what the test does.
		ClientSetInfo: rueidis.DisableClientSetInfo,
		TLSConfig:     s.tls,
		Dialer:        netDialer(),
	})
	if err != nil {
		s.t.Fatalf("redistest: connect to %s: %v", s.Addr(), err)
	}
	return c
}

// Do runs one command on this server and returns its reply as a string
// (bulk, simple or integer replies); it fails the test on an error reply.
func (s *Server) Do(args ...string) string {
	s.t.Helper()
	c := s.connect()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	msg, err := c.Do(ctx, c.B().Arbitrary(args...).Build()).ToMessage()
	if err != nil {
		s.t.Fatalf("redistest: %v on %s: %v", args, s.Addr(), err)
	}
	if v, err := msg.ToString(); err == nil {
		return v
	}
	if v, err := msg.AsInt64(); err == nil {
		return fmtInt(v)
	}
	return msg.String()
}

// AddUser creates an ACL user with a password and the given rules (for
// example "~gatehouse:*", "+@all").
func (s *Server) AddUser(name, password string, rules ...string) {
	s.t.Helper()
	args := append([]string{"ACL", "SETUSER", name, "reset", "on", ">" + password}, rules...)
	s.Do(args...)
}

// Info returns the INFO section of this server as field -> value.
func (s *Server) Info(section string) map[string]string {
	s.t.Helper()
	return parseInfo(s.Do("INFO", section))
}

func netDialer() net.Dialer { return net.Dialer{Timeout: time.Second} }

func fmtInt(v int64) string { return strconv.FormatInt(v, 10) }

// parseInfo reads the "field:value" lines of an INFO reply.
func parseInfo(info string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}
