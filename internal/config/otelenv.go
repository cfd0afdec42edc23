package config

import (
	"net/url"
	"strconv"
	"strings"
)

// The OpenTelemetry SDK environment variables gatehouse reads
// (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables).
const (
	envOTelDisabled       = "OTEL_SDK_DISABLED"
	envOTelExporter       = "OTEL_TRACES_EXPORTER"
	envOTelEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envOTelTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envOTelProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envOTelTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envOTelServiceName    = "OTEL_SERVICE_NAME"
	envOTelResource       = "OTEL_RESOURCE_ATTRIBUTES"
	envOTelSampler        = "OTEL_TRACES_SAMPLER"
	envOTelSamplerArg     = "OTEL_TRACES_SAMPLER_ARG"
)

// DefaultServiceName is service.name when neither OTEL_SERVICE_NAME nor
// OTEL_RESOURCE_ATTRIBUTES names one.
const DefaultServiceName = "gatehouse"

// readOTelExport reads the OTEL_* variables of env. Tracing is off (the zero
// OTelExport) when OTEL_SDK_DISABLED is true, OTEL_TRACES_EXPORTER is none,
// or no endpoint is set. A bad value is a problem keyed by its variable, so
// that check-config and the start both name it.
func readOTelExport(env []string, errs *problems) OTelExport {
	vars := map[string]string{}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		// Empty counts as unset, as the specification asks.
		if ok && strings.HasPrefix(name, "OTEL_") && value != "" {
			vars[name] = strings.TrimSpace(value)
		}
	}
	if disabled, ok := vars[envOTelDisabled]; ok {
		switch strings.ToLower(disabled) {
		case "true":
			return OTelExport{}
		case "false":
		default:
			errs.add(envOTelDisabled, "%q is not true or false", disabled)
		}
	}
	off := false
	if exporter, ok := vars[envOTelExporter]; ok {
		switch strings.ToLower(exporter) {
		case "otlp":
		case "none":
			off = true
		default:
			errs.add(envOTelExporter, "%q is not one of otlp, none (gatehouse exports OTLP only)", exporter)
		}
	}
	e := OTelExport{ServiceName: DefaultServiceName}
	e.Endpoint = otlpEndpoint(vars, errs)
	e.JSON = otlpJSON(vars, errs)
	e.Sampler, e.Ratio = otelSampler(vars, errs)
	for _, a := range otelResource(vars, errs) {
		if a.Key == "service.name" {
			e.ServiceName = a.Value
			continue
		}
		e.Resource = append(e.Resource, a)
	}
	if name, ok := vars[envOTelServiceName]; ok {
		e.ServiceName = name // wins over service.name in the attributes
	}
	if off || e.Endpoint == "" {
		return OTelExport{}
	}
	return e
}

// otlpEndpoint is the URL spans are posted to: the traces endpoint as
// written, or the base endpoint with /v1/traces appended.
func otlpEndpoint(vars map[string]string, errs *problems) string {
	name, endpoint := envOTelTracesEndpoint, vars[envOTelTracesEndpoint]
	if endpoint == "" {
		name, endpoint = envOTelEndpoint, vars[envOTelEndpoint]
	}
	if endpoint == "" {
		return ""
	}
	u, problem := parseHTTPURL(endpoint)
	switch {
	case problem != "":
		errs.add(name, "%q %s", endpoint, problem)
		return ""
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		errs.add(name, "%q must not carry a user, query or fragment (credentials go in OTEL_EXPORTER_OTLP_HEADERS)", u.Redacted())
		return ""
	}
	if name == envOTelEndpoint {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String()
}

// otlpJSON reads the protocol: http/protobuf (the default) or http/json.
func otlpJSON(vars map[string]string, errs *problems) bool {
	name, protocol := envOTelTracesProtocol, vars[envOTelTracesProtocol]
	if protocol == "" {
		name, protocol = envOTelProtocol, vars[envOTelProtocol]
	}
	switch protocol {
	case "", "http/protobuf":
		return false
	case "http/json":
		return true
	case "grpc":
		errs.add(name, "grpc is not supported: use http/protobuf (the collector's OTLP/HTTP port, usually 4318)")
	default:
		errs.add(name, "%q is not one of http/protobuf, http/json", protocol)
	}
	return false
}

// otelSampler reads the sampler and, for the ratio samplers, its argument
// (default 1).
func otelSampler(vars map[string]string, errs *problems) (string, float64) {
	sampler := strings.ToLower(vars[envOTelSampler])
	switch sampler {
	case "":
		return "parentbased_always_on", 1
	case "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
		return sampler, 1
	case "traceidratio", "parentbased_traceidratio":
	default:
		errs.add(envOTelSampler, "%q is not one of always_on, always_off, traceidratio, parentbased_always_on, "+
			"parentbased_always_off, parentbased_traceidratio", vars[envOTelSampler])
		return "parentbased_always_on", 1
	}
	arg, ok := vars[envOTelSamplerArg]
	if !ok {
		return sampler, 1
	}
	ratio, err := strconv.ParseFloat(arg, 64)
	if err != nil || ratio < 0 || ratio > 1 {
		errs.add(envOTelSamplerArg, "%q is not a probability between 0 and 1", arg)
		return sampler, 1
	}
	return sampler, ratio
}

// otelResource parses key=value,key=value with percent-encoded values.
func otelResource(vars map[string]string, errs *problems) []ResourceAttribute {
	list := vars[envOTelResource]
	if list == "" {
		return nil
	}
	var out []ResourceAttribute
	for i, pair := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			errs.add(envOTelResource, "entry %d is not key=value", i+1)
			continue
		}
		value, err := url.PathUnescape(v)
		if err != nil {
			errs.add(envOTelResource, "the value of %q is not percent-encoded correctly", k)
			continue
		}
		out = append(out, ResourceAttribute{Key: k, Value: value})
	}
	return out
}
