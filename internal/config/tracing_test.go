package config

import (
	"reflect"
	"testing"
)

func TestTracingExportFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want OTelExport
	}{
		{"nothing set: off", nil, OTelExport{}},
		{"base endpoint gets /v1/traces",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			OTelExport{Endpoint: "http://collector:4318/v1/traces", ServiceName: "gatehouse", Sampler: "parentbased_always_on", Ratio: 1}},
		{"base endpoint with a path and a slash",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com/otlp/"},
			OTelExport{Endpoint: "https://otel.example.com/otlp/v1/traces", ServiceName: "gatehouse", Sampler: "parentbased_always_on", Ratio: 1}},
		{"traces endpoint as written, and it wins",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/custom"},
			OTelExport{Endpoint: "http://b:4318/custom", ServiceName: "gatehouse", Sampler: "parentbased_always_on", Ratio: 1}},
		{"json, ratio, names, attributes",
			map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
				"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25",
				"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod, service.name=ignored,team=a%20b",
				"OTEL_SERVICE_NAME":        "edge",
			},
			OTelExport{Endpoint: "http://c:4318/v1/traces", JSON: true, ServiceName: "edge", Sampler: "parentbased_traceidratio", Ratio: 0.25,
				Resource: []ResourceAttribute{{"deployment.environment.name", "prod"}, {"team", "a b"}}}},
		{"service.name from the attributes when OTEL_SERVICE_NAME is unset",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_RESOURCE_ATTRIBUTES": "service.name=front"},
			OTelExport{Endpoint: "http://c:4318/v1/traces", ServiceName: "front", Sampler: "parentbased_always_on", Ratio: 1}},
		{"the traces protocol wins",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
			OTelExport{Endpoint: "http://c:4318/v1/traces", ServiceName: "gatehouse", Sampler: "parentbased_always_on", Ratio: 1}},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "TRUE"}, OTelExport{}},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, OTelExport{}},
		{"empty values are unset", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "", "OTEL_TRACES_SAMPLER": ""}, OTelExport{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadCase(t, "", tt.env, "")
			if !reflect.DeepEqual(c.Tracing.Export, tt.want) {
				t.Errorf("export = %+v\nwant %+v", c.Tracing.Export, tt.want)
			}
		})
	}
}

func TestTracingErrorsNameTheVariable(t *testing.T) {
	endpoint := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for ek, ev := range endpoint {
			if _, ok := m[ek]; !ok {
				m[ek] = ev
			}
		}
		return m
	}
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want string
	}{
		{"grpc", "", with("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
			"OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported: use http/protobuf (the collector's OTLP/HTTP port, usually 4318)"},
		{"unknown protocol", "", with("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift"),
			`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "thrift" is not one of http/protobuf, http/json`},
		{"endpoint without scheme", "", with("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
			`OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" must start with http:// or https://`},
		{"endpoint with credentials", "", with("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://u:secret@c/v1/traces"),
			`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://u:xxxxx@c/v1/traces" must not carry a user, query or fragment (credentials go in OTEL_EXPORTER_OTLP_HEADERS)`},
		{"sampler", "", with("OTEL_TRACES_SAMPLER", "jaeger_remote"),
			`OTEL_TRACES_SAMPLER: "jaeger_remote" is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio`},
		{"ratio", "", with("OTEL_TRACES_SAMPLER", "traceidratio"), ""},
		{"ratio out of range", "", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"},
			`OTEL_TRACES_SAMPLER_ARG: "1.5" is not a probability between 0 and 1`},
		{"disabled not a boolean", "", map[string]string{"OTEL_SDK_DISABLED": "yes"}, `OTEL_SDK_DISABLED: "yes" is not true or false`},
		{"exporter", "", with("OTEL_TRACES_EXPORTER", "zipkin"), `OTEL_TRACES_EXPORTER: "zipkin" is not one of otlp, none (gatehouse exports OTLP only)`},
		{"resource", "", with("OTEL_RESOURCE_ATTRIBUTES", "a=1,oops"), "OTEL_RESOURCE_ATTRIBUTES: entry 2 is not key=value"},
		{"resource encoding", "", with("OTEL_RESOURCE_ATTRIBUTES", "a=%zz"), `OTEL_RESOURCE_ATTRIBUTES: the value of "a" is not percent-encoded correctly`},
		{"trust_incoming", "tracing:\n  trust_incoming: sometimes\n", nil,
			`tracing.trust_incoming: "sometimes" is not one of trusted_proxies, always, never`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loadCase(t, tt.yaml, tt.env, tt.want)
		})
	}
}

func TestTracingTrustIncoming(t *testing.T) {
	for _, v := range []string{"trusted_proxies", "Always", "never"} {
		c := loadCase(t, "tracing:\n  trust_incoming: "+v+"\n", nil, "")
		if c.Tracing.TrustIncoming == "" || c.Tracing.TrustIncoming[0] < 'a' {
			t.Errorf("trust_incoming %q = %q, want it lower-cased", v, c.Tracing.TrustIncoming)
		}
	}
	if c := loadCase(t, "", map[string]string{"GATEHOUSE_TRACING_TRUST_INCOMING": "never"}, ""); c.Tracing.TrustIncoming != "never" {
		t.Errorf("from the environment: %q", c.Tracing.TrustIncoming)
	}
}
