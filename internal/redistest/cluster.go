package redistest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// clusterTimeout bounds cluster creation and state changes.
const clusterTimeout = 20 * time.Second

// Cluster is a Redis Cluster of masters only (no replicas), created with
// redis-cli --cluster create.
type Cluster struct {
	Nodes []*Server
}

// StartCluster runs n (at least 3) cluster-enabled servers, assigns the hash
// slots among them and waits for cluster_state:ok on every node. It skips
// (or, with CI=true, fails) when redis-cli is missing.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	cli := lookCLI(t)
	c := &Cluster{}
	for range n {
		bus, err := testutil.PickFreePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		// The bus port defaults to port+10000, which may be taken; name it.
		c.Nodes = append(c.Nodes, StartWith(t,
			"--cluster-enabled", "yes",
			"--cluster-port", strconv.Itoa(bus),
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000"))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(clusterTimeout)
	for _, node := range c.Nodes {
		for node.Info("cluster")["cluster_enabled"] != "1" || !strings.Contains(node.Do("CLUSTER", "INFO"), "cluster_state:ok") {
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster not ok after %v:\n%s", clusterTimeout, node.Do("CLUSTER", "INFO"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// Addrs are the host:port of every node.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// ErrorStats sums INFO errorstats over all nodes: error prefix -> count
// (for example "CROSSSLOT").
func (c *Cluster) ErrorStats() map[string]int {
	sum := map[string]int{}
	for _, n := range c.Nodes {
		for k, v := range n.Info("errorstats") {
			// errorstat_CROSSSLOT:count=2
			name, ok := strings.CutPrefix(k, "errorstat_")
			if !ok {
				continue
			}
			count, _ := strconv.Atoi(strings.TrimPrefix(v, "count="))
			sum[name] += count
		}
	}
	return sum
}

// lookCLI finds redis-cli, skipping the test without it unless CI=true.
func lookCLI(t testing.TB) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-cli not found on PATH (CI=true, so this is an error): %v", err)
		}
		t.Skip("redis-cli not installed (Debian package redis-tools); run the README test command")
	}
	return cli
}
