package tracing

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/gatehouse/gatehouse/internal/session"
)

// The attributes of gatehouse's spans. Every value a span records is built
// here, from parts of a request that hold no secret: the method, the path
// without its query (the callback's query holds the code and state, a
// login's the rd), the scheme, the peer's host and port, the status. Header
// values, cookies, tokens, claims and error messages (a url.Error quotes the
// whole URL, query included) are never recorded.

// Attribute keys of gatehouse's own.
const (
	requestIDKey  = attribute.Key("gatehouse.request_id")
	sessionKey    = attribute.Key("gatehouse.session")
	storeSystem   = "gatehouse.store" // db.system.name of the memory store
	otherMethod   = "_OTHER"
	otherErrorTyp = "_OTHER"
)

// RequestID is the request's X-Request-Id, which the access log line
// carries too: it ties a trace to its log lines.
func RequestID(id string) attribute.KeyValue { return requestIDKey.String(id) }

// Session identifies a session by its hash, the same one logs, metrics and
// the assertion's sid use; never by its id, which is a credential.
func Session(id string) attribute.KeyValue { return sessionKey.String(session.HashID(id)) }

// method is http.request.method: one of the methods HTTP defines, or
// _OTHER, so a client cannot write what it likes into the span.
func method(m string) attribute.KeyValue {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return semconv.HTTPRequestMethodKey.String(m)
	}
	return semconv.HTTPRequestMethodKey.String(otherMethod)
}

// methodName is the method as span names show it.
func methodName(m string) string {
	if v := method(m).Value.AsString(); v != otherMethod {
		return v
	}
	return "HTTP"
}

// clientAttributes describe an outgoing request: method, scheme, the
// server's host and port, and the path. Never the query or user info.
func clientAttributes(r *http.Request) []attribute.KeyValue {
	attrs := []attribute.KeyValue{method(r.Method), semconv.URLScheme(r.URL.Scheme),
		semconv.ServerAddress(r.URL.Hostname()), semconv.URLPath(r.URL.Path)}
	if port, err := strconv.Atoi(r.URL.Port()); err == nil {
		attrs = append(attrs, semconv.ServerPort(port))
	} else if r.URL.Scheme == "https" {
		attrs = append(attrs, semconv.ServerPort(443))
	} else {
		attrs = append(attrs, semconv.ServerPort(80))
	}
	return attrs
}

// errorType is error.type for a failed call: a class, never the message.
func errorType(err error) attribute.KeyValue {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return semconv.ErrorTypeKey.String("canceled")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return semconv.ErrorTypeKey.String("timeout")
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return semconv.ErrorTypeKey.String(op.Op) // dial, read, write
	}
	return semconv.ErrorTypeKey.String(otherErrorTyp)
}
