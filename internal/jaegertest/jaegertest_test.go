package jaegertest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStart: Jaeger starts on free ports, accepts an OTLP/JSON export and
// returns the trace from its query API.
func TestStart(t *testing.T) {
	j := Start(t)
	const traceID = "5b8efff798038103d269b633813fc60c"
	body := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"jaegertest"}}]},
"scopeSpans":[{"spans":[{"traceId":"` + traceID + `","spanId":"eee19b7ec3c1b174","name":"hello","kind":2,
"startTimeUnixNano":"` + nanos(time.Now().Add(-time.Second)) + `","endTimeUnixNano":"` + nanos(time.Now()) + `"}]}]}]}`
	resp, err := http.Post(j.OTLPEndpoint+"/v1/traces", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d", resp.StatusCode)
	}
	tr, _ := j.Trace(t, traceID, 1, 30*time.Second)
	if tr.Spans[0].OperationName != "hello" || tr.Spans[0].Tag("span.kind") != "server" {
		t.Errorf("span %+v", tr.Spans[0])
	}
	if traces, _ := j.Find(t, "jaegertest", "hello", 10*time.Second); len(traces) != 1 {
		t.Errorf("Find: %d traces", len(traces))
	}
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }
