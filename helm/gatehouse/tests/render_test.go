// Package tests renders the gatehouse chart with helm and validates every
// object offline: strict decoding with client-go's scheme (unknown, duplicate
// or mistyped fields fail), the structured-merge type converter (undeclared
// fields fail), and gatehouse's own rules for the pod. It is a module of its
// own so that client-go stays out of gatehouse's go.mod; scripts/test.sh runs
// it.
package tests

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

const (
	chartDir = ".."
	repoRoot = "../../.."
)

// gatehouseBin is built once by TestMain: check-config validates every
// rendered config.yaml.
var gatehouseBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "gatehouse-chart-test")
		if err != nil {
			panic(err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
		gatehouseBin = filepath.Join(dir, "gatehouse")
		build := exec.Command("go", "build", "-o", gatehouseBin, "./cmd/gatehouse")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			panic("build gatehouse: " + err.Error() + "\n" + string(out))
		}
		return m.Run()
	}())
}

// helm returns the helm binary ($HELM or PATH). Without it the tests skip,
// except under CI=true, where scripts/test.sh must have installed it.
func helm(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	h, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("helm is not installed (CI=true): scripts/test.sh installs it")
		}
		t.Skip("helm is not installed: go install helm.sh/helm/v3/cmd/helm@v3.22.0")
	}
	return h
}

// rendered is one object of a helm template output.
type rendered struct {
	kind, name string
	raw        []byte
	obj        runtime.Object
}

type manifest []rendered

func (m manifest) find(kind, name string) (rendered, bool) {
	for _, r := range m {
		if r.kind == kind && (name == "" || r.name == name) {
			return r, true
		}
	}
	return rendered{}, false
}

func (m manifest) all(kind string) []rendered {
	var out []rendered
	for _, r := range m {
		if r.kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// template runs helm template on chart with args and returns its output, or
// the error helm printed.
func template(t *testing.T, chart string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm(t), append([]string{"template", "gh", chart, "--namespace", "apps"}, args...)...)
	cmd.Env = append(os.Environ(), helmHome(t)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// helmHome keeps helm away from the user's own configuration and caches.
func helmHome(t *testing.T) []string {
	dir := t.TempDir()
	return []string{
		"HELM_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"HELM_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"HELM_DATA_HOME=" + filepath.Join(dir, "data"),
	}
}

// render templates the chart and validates every object it produced.
func render(t *testing.T, chart string, args ...string) manifest {
	t.Helper()
	out, err := template(t, chart, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v", args, err)
	}
	return decodeAll(t, out)
}

var (
	strict = json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	typeConverter = applyconfigurations.NewTypeConverter(scheme.Scheme)
)

func decodeAll(t *testing.T, out []byte) manifest {
	t.Helper()
	var m manifest
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		if meta.Kind == "" {
			continue // an empty document (a template that rendered nothing)
		}
		r := rendered{kind: meta.Kind, name: meta.Metadata.Name, raw: doc}
		if meta.Kind == "ServiceMonitor" {
			checkServiceMonitor(t, doc) // a CRD: not in client-go's scheme
		} else {
			obj, _, err := strict.Decode(doc, nil, nil)
			if err != nil {
				t.Fatalf("%s %s does not decode strictly: %v", meta.Kind, meta.Metadata.Name, err)
			}
			if _, err := typeConverter.ObjectToTyped(obj); err != nil {
				t.Fatalf("%s %s has undeclared fields: %v", meta.Kind, meta.Metadata.Name, err)
			}
			r.obj = obj
		}
		m = append(m, r)
	}
	return m
}

// checkServiceMonitor decodes the Prometheus operator's ServiceMonitor into
// the fields the chart uses, refusing any other field.
func checkServiceMonitor(t *testing.T, doc []byte) {
	t.Helper()
	var sm struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			Endpoints []struct {
				Port          string `json:"port"`
				Path          string `json:"path"`
				Interval      string `json:"interval"`
				ScrapeTimeout string `json:"scrapeTimeout"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(doc, &sm); err != nil {
		t.Fatalf("ServiceMonitor: %v", err)
	}
	if sm.APIVersion != "monitoring.coreos.com/v1" || len(sm.Spec.Endpoints) != 1 ||
		sm.Spec.Endpoints[0].Port != "ops" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor does not scrape port ops /metrics: %+v", sm)
	}
}

func deployment(t *testing.T, r rendered) *appsv1.Deployment {
	t.Helper()
	d, ok := r.obj.(*appsv1.Deployment)
	if !ok {
		t.Fatalf("%s is %T", r.name, r.obj)
	}
	return d
}

func containerNamed(pod *corev1.PodSpec, name string) *corev1.Container {
	for i := range pod.Containers {
		if pod.Containers[i].Name == name {
			return &pod.Containers[i]
		}
	}
	return nil
}

// configOf returns the config.yaml of the ConfigMap the pod mounts.
func configOf(t *testing.T, m manifest, pod *corev1.PodSpec) (string, map[string]any) {
	t.Helper()
	for _, v := range pod.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		r, ok := m.find("ConfigMap", v.ConfigMap.Name)
		if !ok {
			t.Fatalf("volume %s names ConfigMap %q, which the chart did not render", v.Name, v.ConfigMap.Name)
		}
		text := r.obj.(*corev1.ConfigMap).Data["config.yaml"]
		var cfg map[string]any
		if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
			t.Fatalf("config.yaml: %v", err)
		}
		return text, cfg
	}
	t.Fatal("the pod mounts no ConfigMap")
	return "", nil
}

func dig(cfg map[string]any, path ...string) any {
	var cur any = cfg
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}
