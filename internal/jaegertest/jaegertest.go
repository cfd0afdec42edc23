// Package jaegertest runs Jaeger v1.76.0 (Jaeger v2, built on the
// OpenTelemetry Collector) on 127.0.0.1 for tests: an OTLP/HTTP receiver,
// in-memory storage, and the query service whose HTTP API returns the
// traces it stored. Every port is a free one of 127.0.0.1; nothing else
// (metrics, health, sampling, zpages) is started.
//
// The binary is built once by scripts/build-jaeger.sh (from the separate
// module tools/jaeger) and found at $GATEHOUSE_JAEGER or
// ${XDG_CACHE_HOME:-~/.cache}/gatehouse/jaeger-v1.76.0. Without it tests skip,
// or fail with CI=true.
package jaegertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// Jaeger is a running Jaeger.
type Jaeger struct {
	// OTLPEndpoint is the base URL of the OTLP/HTTP receiver, the value of
	// OTEL_EXPORTER_OTLP_ENDPOINT (spans go to /v1/traces below it).
	OTLPEndpoint string
	// QueryURL is the base URL of the query service's HTTP API.
	QueryURL string
	http     *http.Client
}

// Binary returns the path of the Jaeger binary, skipping the test (failing
// it with CI=true) when it has not been built.
func Binary(t testing.TB) string {
	t.Helper()
	return testutil.CachedTool(t, "GATEHOUSE_JAEGER", "jaeger-v1.76.0", "build it with scripts/build-jaeger.sh (long, once)")
}

// config is Jaeger's collector configuration: OTLP over HTTP in, memory
// storage, the query API out. The collector's own telemetry would listen on
// :8888; it is turned off.
const config = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// Start runs Jaeger and stops it with t.Cleanup. It returns once both the
// receiver and the query API answer.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	bin := Binary(t)
	query, grpc, otlp := testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)
	file := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(file, fmt.Appendf(nil, config, query, grpc, otlp), 0o600); err != nil {
		t.Fatal(err)
	}
	j := &Jaeger{
		OTLPEndpoint: fmt.Sprintf("http://127.0.0.1:%d", otlp),
		QueryURL:     fmt.Sprintf("http://127.0.0.1:%d", query),
		http:         &http.Client{Timeout: 10 * time.Second},
	}
	cmd := exec.Command(bin, "--config", file)
	var out syncbuf.Buffer
	proc := testutil.StartProcess(t, "jaeger", cmd, &out)
	// The receiver accepts an empty export ({} is a valid request in
	// OTLP/JSON); the query API lists services.
	up := testutil.Poll(60*time.Second, func() bool {
		if proc.Exited() {
			return true
		}
		resp, err := j.http.Post(j.OTLPEndpoint+"/v1/traces", "application/json", strings.NewReader("{}"))
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
		resp, err = j.http.Get(j.QueryURL + "/api/services")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if proc.Exited() {
		t.Fatalf("jaegertest: jaeger exited:\n%s", out.String())
	}
	if !up {
		t.Fatalf("jaegertest: jaeger not ready after 60s:\n%s", out.String())
	}
	return j
}

// Trace is one trace as the query API returns it.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
}

// Span is one span of a Trace.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	Tags          []Tag       `json:"tags"`
	ProcessID     string      `json:"processID"`
}

// Reference is a span's parent (CHILD_OF) or link (FOLLOWS_FROM).
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Tag is a span attribute.
type Tag struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Process names the service of a span.
type Process struct {
	ServiceName string `json:"serviceName"`
	Tags        []Tag  `json:"tags"`
}

// Tag returns the value of the span's tag key as a string, "" when absent.
func (s Span) Tag(key string) string {
	for _, tag := range s.Tags {
		if tag.Key == key {
			return fmt.Sprint(tag.Value)
		}
	}
	return ""
}

// Parent returns the span's CHILD_OF reference, if any.
func (s Span) Parent() (Reference, bool) {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r, true
		}
	}
	return Reference{}, false
}

// Trace fetches one trace by id, waiting up to within for it to be stored
// with at least minSpans spans (the receiver stores asynchronously). It
// returns the trace and the raw JSON the API answered.
func (j *Jaeger) Trace(t testing.TB, traceID string, minSpans int, within time.Duration) (Trace, []byte) {
	t.Helper()
	var tr Trace
	var raw []byte
	var last string
	ok := testutil.Poll(within, func() bool {
		var traces []Trace
		traces, raw, last = j.get("/api/traces/" + traceID)
		if len(traces) != 1 {
			return false
		}
		tr = traces[0]
		return len(tr.Spans) >= minSpans
	})
	if !ok {
		t.Fatalf("jaegertest: trace %s with %d spans not found within %s (last: %s)", traceID, minSpans, within, last)
	}
	return tr, raw
}

// Find lists the stored traces of service with a span named operation (""
// for any), waiting up to within for at least one. It returns them and the
// raw JSON.
func (j *Jaeger) Find(t testing.TB, service, operation string, within time.Duration) ([]Trace, []byte) {
	t.Helper()
	q := url.Values{"service": {service}, "limit": {"1000"}, "lookback": {"1h"}}
	if operation != "" {
		q.Set("operation", operation)
	}
	var traces []Trace
	var raw []byte
	var last string
	ok := testutil.Poll(within, func() bool {
		traces, raw, last = j.get("/api/traces?" + q.Encode())
		return len(traces) > 0
	})
	if !ok {
		t.Fatalf("jaegertest: no trace of %s with %q within %s (last: %s)", service, operation, within, last)
	}
	return traces, raw
}

// get asks the query API; on any failure it returns no traces and a
// description of what went wrong.
func (j *Jaeger) get(path string) ([]Trace, []byte, string) {
	resp, err := j.http.Get(j.QueryURL + path)
	if err != nil {
		return nil, nil, err.Error()
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return nil, raw, fmt.Sprintf("status %d: %.300s", resp.StatusCode, raw)
	}
	var body struct {
		Data []Trace `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, raw, fmt.Sprintf("decode: %v: %.300s", err, raw)
	}
	return body.Data, raw, fmt.Sprintf("%d traces", len(body.Data))
}
