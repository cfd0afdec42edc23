package redistest

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"
)

// sentinelTimeout bounds how long the Sentinels may take to agree on the
// topology or to finish a failover.
const sentinelTimeout = 30 * time.Second

// SentinelGroup is one master, one replica and three Sentinels (quorum 2)
// watching them under MasterName.
type SentinelGroup struct {
	MasterName string
	Master     *Server
	Replica    *Server
	Sentinels  []*Server
	t          testing.TB
}

// StartSentinelGroup starts the group and returns once every Sentinel knows
// the replica and the other two Sentinels, so that a failover can succeed.
func StartSentinelGroup(t testing.TB) *SentinelGroup {
	t.Helper()
	g := &SentinelGroup{MasterName: "mymaster", t: t}
	g.Master = Start(t)
	host, port, _ := net.SplitHostPort(g.Master.Addr())
	g.Replica = StartWith(t, "--replicaof", host, port)
	for range 3 {
		g.Sentinels = append(g.Sentinels, startSentinel(t, g.Master.Addr(), g.MasterName, 2))
	}
	deadline := time.Now().Add(sentinelTimeout)
	for _, s := range g.Sentinels {
		for {
			m := g.sentinelMaster(s)
			if m["num-slaves"] == "1" && m["num-other-sentinels"] == "2" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: sentinel %s does not see the group after %v: %v", s.Addr(), sentinelTimeout, m)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return g
}

// SentinelAddrs are the Sentinels' host:port.
func (g *SentinelGroup) SentinelAddrs() []string {
	out := make([]string, len(g.Sentinels))
	for i, s := range g.Sentinels {
		out[i] = s.Addr()
	}
	return out
}

// WaitMaster waits until every Sentinel names addr as the master.
func (g *SentinelGroup) WaitMaster(addr string) {
	g.t.Helper()
	deadline := time.Now().Add(sentinelTimeout)
	for _, s := range g.Sentinels {
		for {
			m := g.sentinelMaster(s)
			if net.JoinHostPort(m["ip"], m["port"]) == addr {
				break
			}
			if time.Now().After(deadline) {
				g.t.Fatalf("redistest: sentinel %s names %s:%s as master, want %s after %v", s.Addr(), m["ip"], m["port"], addr, sentinelTimeout)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// WaitReplicated blocks until the replica has acknowledged every write made
// on the master so far (WAIT), so that a failover loses nothing.
func (g *SentinelGroup) WaitReplicated() {
	g.t.Helper()
	if n := g.Master.Do("WAIT", "1", strconv.Itoa(int(sentinelTimeout/time.Millisecond))); n != "1" {
		g.t.Fatalf("redistest: WAIT: %s replicas acknowledged, want 1", n)
	}
}

func (g *SentinelGroup) sentinelMaster(s *Server) map[string]string {
	g.t.Helper()
	c := s.connect()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	m, err := c.Do(ctx, c.B().Arbitrary("SENTINEL", "MASTER", g.MasterName).Build()).AsStrMap()
	if err != nil {
		g.t.Fatalf("redistest: SENTINEL MASTER on %s: %v", s.Addr(), err)
	}
	return m
}
