package config

// Tracing configures OpenTelemetry traces. Whether and where spans are sent
// is not a key: it comes from the standard OTEL_* environment variables
// (otelenv.go), as every OpenTelemetry SDK reads them, into Export.
type Tracing struct {
	// TrustIncoming says from whom an incoming W3C traceparent header becomes
	// the parent of gatehouse's span: trusted_proxies (peers listed in
	// trusted_proxies), always, or never. From anyone else it only becomes a
	// span link on a new trace, and the upstream gets gatehouse's traceparent,
	// never the client's (key tracing.trust_incoming, default
	// "trusted_proxies").
	TrustIncoming string `key:"trust_incoming"`
	// Export is where spans go, read by Load from the OTEL_* environment
	// variables; its zero value (no endpoint) turns tracing off. It cannot be
	// set by a key.
	Export OTelExport `key:"-"`
}

// The values of tracing.trust_incoming.
const (
	TrustIncomingTrustedProxies = "trusted_proxies"
	TrustIncomingAlways         = "always"
	TrustIncomingNever          = "never"
)

// OTelExport is the OTLP export that the OTEL_* environment variables
// describe. Endpoint "" means tracing is off.
type OTelExport struct {
	// Endpoint is the full URL spans are posted to (OTLP over HTTP).
	Endpoint string
	// JSON sends http/json instead of http/protobuf.
	JSON bool
	// ServiceName is the service.name resource attribute (default
	// "gatehouse").
	ServiceName string
	// Resource holds the other resource attributes, in the order given.
	Resource []ResourceAttribute
	// Sampler is one of the OTEL_TRACES_SAMPLER names; Ratio is the
	// probability of the traceidratio samplers, in [0, 1].
	Sampler string
	Ratio   float64
}

// ResourceAttribute is one key=value of OTEL_RESOURCE_ATTRIBUTES.
type ResourceAttribute struct{ Key, Value string }

// Enabled reports whether spans are exported.
func (e OTelExport) Enabled() bool { return e.Endpoint != "" }
