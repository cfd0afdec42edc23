package dockerfile

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerOut is where the Dockerfile's build stage writes the binary.
const dockerOut = "-o /out/gatehouse"

// TestBuildCommandMakesStaticBinary runs the build stage's exact go build
// command, with the golang image's Go release, on a copy of the build context
// that .dockerignore lets through. The binary must be static (it runs on
// distroless/static, which has no libc), carry the version, and serve: started
// with the image's CMD and a provider that cannot be reached, /healthz is 200
// and /readyz 503.
func TestBuildCommandMakesStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gatehouse")
	}
	stages, err := parseStages(readDockerfile(t))
	if err != nil {
		t.Fatal(err)
	}
	command := goBuildCommand(t, stages)
	if !strings.Contains(command, dockerOut) {
		t.Fatalf("the go build command no longer writes %q: update this test (%q)", dockerOut, command)
	}
	out := t.TempDir()
	command = strings.Replace(command, dockerOut, "-o "+filepath.Join(out, "gatehouse"), 1)

	ctx := buildContext(t)
	build := exec.Command("sh", "-c", command)
	build.Dir = ctx
	build.Env = append(os.Environ(), "VERSION=v9.9.9-test", "GOTOOLCHAIN=go"+goVersion(t, stages))
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", command, err, msg)
	}
	bin := filepath.Join(out, "gatehouse")

	assertStatic(t, bin)

	version, err := exec.Command(bin, "version").Output()
	if err != nil || strings.TrimSpace(string(version)) != "gatehouse v9.9.9-test" {
		t.Errorf("gatehouse version = %q, %v; want the VERSION build arg", version, err)
	}

	ops := startBinary(t, bin)
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusServiceUnavailable, "/metrics": http.StatusOK} {
		resp, err := http.Get("http://" + ops + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d (%s)", path, resp.StatusCode, want, body)
		}
	}
}

func goBuildCommand(t *testing.T, stages []instructions.Stage) string {
	t.Helper()
	for _, st := range stages {
		for _, c := range st.Commands {
			if run, ok := c.(*instructions.RunCommand); ok && run.PrependShell {
				if cmd := strings.Join(run.CmdLine, " "); strings.Contains(cmd, "go build") {
					return cmd
				}
			}
		}
	}
	t.Fatal("no RUN … go build in the Dockerfile")
	return ""
}

// buildContext copies the repository as `docker build .` would send it:
// without what .dockerignore excludes.
func buildContext(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		excluded, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		switch {
		case excluded && d.IsDir():
			return filepath.SkipDir
		case excluded:
			return nil
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy build context: %v", err)
	}
	for _, must := range []string{"go.mod", "go.sum", "cmd/gatehouse/main.go"} {
		if _, err := os.Stat(filepath.Join(dst, must)); err != nil {
			t.Fatalf(".dockerignore excludes %s, which the build needs", must)
		}
	}
	return dst
}

// assertStatic: no ELF interpreter and no shared libraries, and ldd agrees.
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v", libs)
	}
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		t.Log("ldd not installed; ELF checks only")
		return
	}
	msg, _ := exec.Command(ldd, bin).CombinedOutput() // exits 1 for static binaries
	if !strings.Contains(string(msg), "not a dynamic executable") {
		t.Errorf("ldd %s: %s; want \"not a dynamic executable\"", bin, msg)
	}
}

// startBinary runs `gatehouse serve --config FILE` (the image's CMD) with
// listeners on free loopback ports, an identity provider that refuses
// connections and the memory store, and returns the ops listener's address
// once gatehouse logs it. It stops the process with SIGTERM at cleanup.
func startBinary(t *testing.T, bin string) string {
	t.Helper()
	config := filepath.Join(t.TempDir(), "config.yaml")
	err := os.WriteFile(config, []byte(`listen: 127.0.0.1:0
ops_listen: 127.0.0.1:0
public_url: http://127.0.0.1:4180
upstream:
  url: http://127.0.0.1:9
oidc:
  issuer: http://127.0.0.1:1/unreachable
  client_id: gatehouse
  client_secret: not-a-real-secret
cookie:
  secrets:
    - MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
session:
  store: memory
server:
  shutdown_timeout: 2s
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the process is gone; waitErr is set then
	var waitErr error
	opsAddr := make(chan string, 1)
	go func() {
		// Read the JSON log until the ops listener's line, then drain.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct {
				Msg      string `json:"msg"`
				Listener string `json:"listener"`
				Address  string `json:"address"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" && line.Listener == "ops" {
				opsAddr <- line.Address
			}
		}
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			var exit *exec.ExitError
			if errors.As(waitErr, &exit) {
				t.Errorf("gatehouse exited with %v after SIGTERM, want 0", waitErr)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("gatehouse did not stop within 10s of SIGTERM")
		}
	})
	select {
	case addr := <-opsAddr:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			t.Fatalf("ops address %q: %v", addr, err)
		}
		return addr
	case <-exited:
		t.Fatalf("gatehouse exited at start: %v", waitErr)
	case <-time.After(15 * time.Second):
		t.Fatal("gatehouse did not log its ops listener within 15s")
	}
	return ""
}
