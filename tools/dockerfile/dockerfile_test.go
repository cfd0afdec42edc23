// Package dockerfile checks the repository's Dockerfile without a container
// engine: buildkit's own linter, gatehouse's rules for the image, and the
// stage's exact go build command run on this machine. It is a separate module
// so that buildkit stays out of gatehouse's go.mod; scripts/test.sh runs it.
package dockerfile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/opencontainers/go-digest"
)

// repoRoot is the gatehouse repository (this module lives in tools/dockerfile).
const repoRoot = "../.."

func readDockerfile(t *testing.T) []byte {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return dt
}

// offlineResolver answers buildkit's base image lookups without a registry:
// an empty linux/amd64 config. The linter only needs the lookup to succeed.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/bin:/usr/bin:/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`)
	return ref, digest.FromBytes(cfg), cfg, nil
}

// TestBuildkitLintFindsNothing runs the linter that `docker build --check`
// runs; the Dockerfile also says `# check=error=true`, so a real build fails
// on the same warnings.
func TestBuildkitLintFindsNothing(t *testing.T) {
	dt := readDockerfile(t)
	res := lintDockerfile(t, dt)
	if res.Error != nil {
		t.Fatalf("buildkit could not parse the Dockerfile: %s", res.Error.Message)
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		t.Errorf("Dockerfile:%d: %s: %s (%s)", line, w.RuleName, w.Detail, w.URL)
	}
}

// TestBuildkitLintCanFail shows the linter runs with its rules on: a
// Dockerfile with known mistakes gets warnings.
func TestBuildkitLintCanFail(t *testing.T) {
	bad := []byte("FROM golang:1.26.10-bookworm as build\nENV A 1\nCMD echo hi\nCMD echo twice\n")
	res := lintDockerfile(t, bad)
	var rules []string
	for _, w := range res.Warnings {
		rules = append(rules, w.RuleName)
	}
	for _, want := range []string{"FromAsCasing", "LegacyKeyValueFormat", "JSONArgsRecommended", "MultipleInstructionsDisallowed"} {
		if !slices.Contains(rules, want) {
			t.Errorf("lint of a bad Dockerfile did not report %s (got %v)", want, rules)
		}
	}
}

func lintDockerfile(t *testing.T, dt []byte) *lint.LintResults {
	t.Helper()
	ctx := context.Background()
	def, err := llb.Local("dockerfile").Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", dt)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		SourceMap:    sm,
		MetaResolver: offlineResolver{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestDockerfileRules applies gatehouse's own rules to the Dockerfile.
func TestDockerfileRules(t *testing.T) {
	for _, problem := range checkRules(readDockerfile(t)) {
		t.Error(problem)
	}
}

// TestDockerfileRulesCatchMistakes feeds the rules Dockerfiles that each break
// one rule: every one must be reported.
func TestDockerfileRulesCatchMistakes(t *testing.T) {
	good := string(readDockerfile(t))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"single stage", "COPY --from=build /out/gatehouse /gatehouse", "COPY . /", "multi-stage"},
		{"latest base", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM gcr.io/distroless/static-debian12:latest", "not pinned"},
		{"untagged base", "FROM golang:1.26.10-bookworm AS build", "FROM golang AS build", "not pinned"},
		{"root user", "USER 65532:65532", "USER root", "non-root"},
		{"no user", "USER 65532:65532\n", "", "non-root"},
		{"cgo", "CGO_ENABLED=0 go build", "go build", "CGO_ENABLED=0"},
		{"no trimpath", "-trimpath ", "", "-trimpath"},
		{"no version stamp", "-X main.version=${VERSION}", "", "main.version"},
		{"ports", "EXPOSE 4180 9180", "EXPOSE 8080", "EXPOSE"},
		{"shell entrypoint", `ENTRYPOINT ["/gatehouse"]`, "ENTRYPOINT /gatehouse", "ENTRYPOINT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("the Dockerfile no longer contains %q: update this test", tc.old)
			}
			problems := checkRules([]byte(strings.Replace(good, tc.old, tc.new, 1)))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("no problem mentioning %q reported; got %q", tc.want, problems)
			}
		})
	}
}

var (
	// A base is pinned when it has a digest, or a tag other than latest and a
	// version somewhere in its reference (golang:1.26.10-bookworm,
	// distroless/static-debian12:nonroot names Debian 12).
	versionRE      = regexp.MustCompile(`\d+`)
	golangVersion  = regexp.MustCompile(`^golang:(\d+\.\d+\.\d+)-`)
	wantExpose     = []string{"4180", "9180"}
	wantEntrypoint = []string{"/gatehouse"}
	wantCmd        = []string{"serve", "--config", "/etc/gatehouse/config.yaml"}
)

// checkRules returns every way the Dockerfile breaks gatehouse's rules.
func checkRules(dt []byte) []string {
	stages, err := parseStages(dt)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	names := map[string]bool{}
	for _, st := range stages {
		if !names[strings.ToLower(st.BaseName)] && st.BaseName != "scratch" {
			problems = append(problems, pinProblems(st.BaseName)...)
		}
		names[strings.ToLower(st.Name)] = true
	}
	final := stages[len(stages)-1]
	if len(stages) < 2 || !copiesFromStage(final) {
		problems = append(problems, "not a multi-stage build: the final stage must COPY --from a build stage")
	}

	var buildCmd string
	for _, st := range stages[:len(stages)-1] {
		for _, c := range st.Commands {
			if run, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), "go build") {
				buildCmd = strings.Join(run.CmdLine, " ")
			}
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version="} {
		if !strings.Contains(buildCmd, want) {
			problems = append(problems, fmt.Sprintf("the go build command lacks %s: %q", want, buildCmd))
		}
	}

	var user string
	var expose []string
	var entrypoint, cmd *instructions.ShellDependantCmdLine
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.ExposeCommand:
			expose = append(expose, c.Ports...)
		case *instructions.EntrypointCommand:
			entrypoint = &c.ShellDependantCmdLine
		case *instructions.CmdCommand:
			cmd = &c.ShellDependantCmdLine
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" || versionRE.FindString(uid) != uid {
		problems = append(problems, fmt.Sprintf("the final stage must set a numeric non-root USER (got %q)", user))
	}
	if !slices.Equal(expose, wantExpose) {
		problems = append(problems, fmt.Sprintf("EXPOSE %v, want %v", expose, wantExpose))
	}
	if entrypoint == nil || entrypoint.PrependShell || !slices.Equal(entrypoint.CmdLine, wantEntrypoint) {
		problems = append(problems, fmt.Sprintf("ENTRYPOINT must be the exec form %q", wantEntrypoint))
	}
	if cmd == nil || cmd.PrependShell || !slices.Equal(cmd.CmdLine, wantCmd) {
		problems = append(problems, fmt.Sprintf("CMD must be the exec form %q", wantCmd))
	}
	return problems
}

func pinProblems(ref string) []string {
	if strings.Contains(ref, "@sha256:") {
		return nil
	}
	name, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	if tag == "" || tag == "latest" || !versionRE.MatchString(name+":"+tag) {
		return []string{fmt.Sprintf("base image %q is not pinned: use a versioned tag (not latest) or a digest", ref)}
	}
	return nil
}

func copiesFromStage(st instructions.Stage) bool {
	for _, c := range st.Commands {
		if cp, ok := c.(*instructions.CopyCommand); ok && cp.From != "" {
			return true
		}
	}
	return false
}

func parseStages(dt []byte) ([]instructions.Stage, error) {
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return nil, fmt.Errorf("parse Dockerfile: %w", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("parse Dockerfile instructions: %w", err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("Dockerfile has no stage")
	}
	return stages, nil
}

// goVersion is the Go release of the golang base image (1.26.10).
func goVersion(t *testing.T, stages []instructions.Stage) string {
	t.Helper()
	for _, st := range stages {
		if m := golangVersion.FindStringSubmatch(st.BaseName); m != nil {
			return m[1]
		}
	}
	t.Fatal("no golang:X.Y.Z-… base image in the Dockerfile")
	return ""
}

// TestGoModToolchainMatchesImage keeps one Go release for the image, for
// builds outside it (go.mod's toolchain line) and for govulncheck, which
// scripts/test.sh runs with that toolchain.
func TestGoModToolchainMatchesImage(t *testing.T) {
	stages, err := parseStages(readDockerfile(t))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	want := "toolchain go" + goVersion(t, stages)
	if !slices.Contains(strings.Split(string(mod), "\n"), want) {
		t.Errorf("go.mod lacks %q (the Dockerfile's golang image)", want)
	}
}
