package server

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gatehouse/gatehouse/internal/config"
)

// reloadEnv is what the file leaves out. The provider is never contacted:
// New contacts nothing, and Reload does not either.
var reloadEnv = []string{
	"GATEHOUSE_PUBLIC_URL=http://127.0.0.1:4180",
	"GATEHOUSE_UPSTREAM_URL=http://127.0.0.1:8080",
	"GATEHOUSE_OIDC_ISSUER=http://127.0.0.1:1/",
	"GATEHOUSE_OIDC_CLIENT_ID=gatehouse",
	"GATEHOUSE_OIDC_CLIENT_SECRET=client-secret",
	"GATEHOUSE_SESSION_STORE=memory",
	"GATEHOUSE_COOKIE_SECRETS=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlq",
}

// reloadable is a server built from the config file at path, with reload on,
// the level it changes and the log it writes.
type reloadable struct {
	srv   *Server
	path  string
	level zap.AtomicLevel
	logs  *observer.ObservedLogs
}

func newReloadable(t *testing.T, yaml string, env ...string) *reloadable {
	t.Helper()
	env = append(slices.Clone(reloadEnv), env...)
	r := &reloadable{path: filepath.Join(t.TempDir(), "gatehouse.yaml"), level: zap.NewAtomicLevelAt(zap.InfoLevel)}
	r.write(t, yaml)
	cfg, err := config.Load(r.path, env)
	if err != nil {
		t.Fatal(err)
	}
	var core zapcore.Core
	core, r.logs = observer.New(r.level)
	if r.srv, err = New(cfg, zap.New(core)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.srv.store.Close() })
	r.srv.EnableReload(ReloadOptions{Path: r.path, Env: env, Level: &r.level})
	return r
}

func (r *reloadable) write(t *testing.T, yaml string) {
	t.Helper()
	if err := os.WriteFile(r.path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

// strings returns the []string field key of every line with message msg.
func (r *reloadable) strings(msg, key string) [][]string {
	var out [][]string
	for _, e := range r.logs.FilterMessage(msg).All() {
		for _, f := range e.Context {
			if f.Key == key {
				if m, ok := f.Interface.(zapcore.ArrayMarshaler); ok {
					enc := &stringArray{}
					_ = m.MarshalLogArray(enc)
					out = append(out, enc.items)
				}
			}
		}
	}
	return out
}

type stringArray struct {
	zapcore.ArrayEncoder
	items []string
}

func (s *stringArray) AppendString(v string) { s.items = append(s.items, v) }

const (
	msgHeld     = "config reload: these keys need a restart; they keep their running values"
	msgReloaded = "config reloaded"
	msgRefused  = "config reload refused; the running config stays"
)

func TestReloadAppliesAndHoldsRestartOnlyKeys(t *testing.T) {
	r := newReloadable(t, "listen: 127.0.0.1:4180\nlog: {level: info}\n")
	before := r.srv.reload.live.Load()
	r.write(t, "listen: 127.0.0.1:9999\nsession: {redis: {key_prefix: \"other:\"}}\nlog: {level: debug}\nauthorization: {allowed_groups: [staff]}\n")
	if err := r.srv.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := r.strings(msgHeld, "keys"); len(got) != 1 || !slices.Equal(got[0], []string{"listen", "session.redis.key_prefix"}) {
		t.Errorf("restart-only keys logged: %v, want one line naming listen and session.redis.key_prefix", got)
	}
	if got := r.strings(msgReloaded, "changed"); len(got) != 1 || !slices.Equal(got[0], []string{"authorization.allowed_groups", "log.level"}) {
		t.Errorf("changed keys logged: %v", got)
	}
	running := r.srv.reload.running
	if running.Listen != "127.0.0.1:4180" || running.Session.Redis.KeyPrefix != "gatehouse:" {
		t.Errorf("restart-only keys now %q, %q: want their running values", running.Listen, running.Session.Redis.KeyPrefix)
	}
	if !slices.Equal(running.Authorization.AllowedGroups, []string{"staff"}) {
		t.Errorf("authorization.allowed_groups = %v, want the new value", running.Authorization.AllowedGroups)
	}
	if r.srv.reload.live.Load() == before {
		t.Error("the request handler was not replaced")
	}
	if r.level.Level() != zap.DebugLevel {
		t.Errorf("log level %s, want debug", r.level.Level())
	}

	// The same file again: the held keys are named again (they still
	// differ from what runs); nothing else changed, so the handler stays.
	swapped := r.srv.reload.live.Load()
	if err := r.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if r.srv.reload.live.Load() != swapped {
		t.Error("a reload that changed nothing replaced the handler")
	}
	if got := r.strings(msgHeld, "keys"); len(got) != 2 {
		t.Errorf("second reload: %d lines naming restart-only keys, want 2 in all", len(got))
	}
	if got := r.strings(msgReloaded, "changed"); len(got) != 2 || len(got[1]) != 0 {
		t.Errorf("second reload: changed keys %v, want none", got)
	}
}

func TestReloadRefusesABadConfigWhole(t *testing.T) {
	r := newReloadable(t, "log: {level: info}\n")
	before, running := r.srv.reload.live.Load(), r.srv.reload.running
	r.write(t, "log: {level: loud}\nauthorization: {allowed_groups: [staff]}\nsession: {idle_timeout: soon}\n")
	err := r.srv.Reload()
	var fe *config.FieldError
	if err == nil || !errors.As(err, &fe) {
		t.Fatalf("Reload = %v, want the config's field errors", err)
	}
	if r.srv.reload.live.Load() != before || r.srv.reload.running != running {
		t.Error("a refused config replaced the running one")
	}
	if r.level.Level() != zap.InfoLevel {
		t.Errorf("log level %s after a refused reload", r.level.Level())
	}
	var keys []string
	for _, e := range r.logs.FilterMessage(msgRefused).All() {
		keys = append(keys, e.ContextMap()["key"].(string))
	}
	if !slices.Equal(keys, []string{"session.idle_timeout", "log.level"}) {
		t.Errorf("refused reload logged keys %v, want one line each for session.idle_timeout and log.level", keys)
	}

	r.write(t, "log: [unclosed\n")
	if err := r.srv.Reload(); err == nil {
		t.Error("a file that is not YAML was accepted")
	}
	if n := r.logs.FilterMessage(msgRefused).Len(); n != 3 {
		t.Errorf("%d refusal lines, want 3 (the unreadable file logged too)", n)
	}
}

func TestReloadNeedsItsSource(t *testing.T) {
	cfg, err := config.Load("", reloadEnv)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.store.Close()
	if err := srv.Reload(); !errors.Is(err, errReloadOff) {
		t.Errorf("Reload without EnableReload = %v, want errReloadOff", err)
	}
	if files := srv.watchedFiles(); files != nil {
		t.Errorf("watched files without EnableReload: %v", files)
	}
}

func TestWatchedFilesAndFingerprint(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets")
	if err := os.WriteFile(secrets, []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlq\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newReloadable(t, "cookie: {secrets_file: "+secrets+"}\n", "GATEHOUSE_COOKIE_SECRETS=") // unset: the file holds them
	files := r.srv.watchedFiles()
	if !slices.Equal(files, []string{r.path, secrets}) {
		t.Fatalf("watched %v, want the config file and cookie.secrets_file", files)
	}
	fp := fingerprint(files)
	if fingerprint(files) != fp {
		t.Error("fingerprint of unchanged files differs")
	}
	if err := os.WriteFile(secrets, []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlr\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fingerprint(files) == fp {
		t.Error("a changed secrets file has the same fingerprint")
	}
	fp = fingerprint(files)
	_ = os.Remove(secrets)
	if fingerprint(files) == fp {
		t.Error("a removed file has the same fingerprint")
	}
}

func TestNeedsRestart(t *testing.T) {
	for key, want := range map[string]bool{
		"listen": true, "session.redis.addresses": true, "session.redis": true, "oidc.client_secret": true,
		"server.idle_timeout": true, "log.format": true,
		"session.idle_timeout": false, "server.allowed_hosts": false, "server.login_rate_limit": false,
		"log.level": false, "authorization.rules": false, "cookie.secrets": false, "listener": false,
	} {
		if got := needsRestart(key); got != want {
			t.Errorf("needsRestart(%q) = %v, want %v", key, got, want)
		}
	}
}
