package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestSIGHUPReloads runs the real binary and sends it SIGHUP (file watching
// is off, so only the signal can reload): the new log level takes effect, a
// broken file is refused and counted while the process keeps serving, and
// neither signal ends it (SIGHUP's default action would).
func TestSIGHUPReloads(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gatehouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mainAddr := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	opsAddr := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	path := filepath.Join(dir, "gatehouse.yaml")
	// The provider is never reached: gatehouse starts without it.
	base := fmt.Sprintf(`listen: %s
ops_listen: %s
public_url: http://%s
upstream: {url: "http://127.0.0.1:1"}
oidc: {issuer: "http://127.0.0.1:1/", client_id: gatehouse}
session: {store: memory}
reload: {watch_interval: 0s}
`, mainAddr, opsAddr, mainAddr)
	write := func(yaml string) {
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base + "log: {level: info, flush_interval: 0s}\n")

	var stderr syncbuf.Buffer
	cmd := exec.Command(bin, "serve", "--config", path)
	cmd.Env = []string{"GATEHOUSE_OIDC_CLIENT_SECRET=s3cr3t-value", "GATEHOUSE_COOKIE_SECRETS=" + strings.Repeat("QUJD", 12)}
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	testutil.Eventually(t, "gatehouse up", 20*time.Second, func() bool {
		status, _ := get("http://" + opsAddr + "/healthz")
		return status == http.StatusOK
	})
	counted := func(result string, n int) func() bool {
		return func() bool {
			_, body := get("http://" + opsAddr + "/metrics")
			return strings.Contains(body, fmt.Sprintf("gatehouse_config_reloads_total{result=%q} %d\n", result, n))
		}
	}
	hup := func() {
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	get("http://" + mainAddr + "/logged-at-info")
	testutil.Eventually(t, "the access line at info", 5*time.Second, func() bool {
		return strings.Contains(stderr.String(), "/logged-at-info")
	})
	write(base + "log: {level: error, flush_interval: 0s}\n")
	hup()
	testutil.Eventually(t, "a reload counted after SIGHUP", 5*time.Second, counted("success", 1))
	get("http://" + mainAddr + "/not-logged-at-error")

	write(base + "log: {level: loud, flush_interval: 0s}\n")
	hup()
	testutil.Eventually(t, "a refused reload counted after SIGHUP", 5*time.Second, counted("error", 1))
	if status, _ := get("http://" + opsAddr + "/healthz"); status != http.StatusOK {
		t.Fatalf("after a refused reload /healthz is %d", status)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if exitErr != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", exitErr, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30s after SIGTERM")
	}
	logs := stderr.String()
	if strings.Contains(logs, "/not-logged-at-error") {
		t.Error("an info line was written after the reload set log.level to error")
	}
	if !strings.Contains(logs, `"key":"log.level"`) {
		t.Errorf("the refused reload's log does not name log.level:\n%s", logs)
	}
	if strings.Contains(logs, "s3cr3t-value") {
		t.Error("the client secret is in the log")
	}
}
