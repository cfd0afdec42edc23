package oidcclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxResponseBytes caps every response body gatehouse reads from the
// provider (discovery, JWKS, token, userinfo). Real documents are a few KiB;
// a provider that answers megabytes is broken or hostile, and must not make
// gatehouse buffer them.
const MaxResponseBytes = 1 << 20

// ErrResponseTooLarge is returned by a body read that passes MaxResponseBytes.
var ErrResponseTooLarge = errors.New("oidcclient: provider response body too large")

// limitedTransport fails a body read past max instead of truncating it
// silently, whatever the reading library does with its own limits.
type limitedTransport struct {
	next http.RoundTripper
	max  int64
}

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s announces %d bytes", ErrResponseTooLarge, req.URL.Redacted(), resp.ContentLength)
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, ErrResponseTooLarge
	}
	return n, err
}

// MaxIdleConnsPerProvider is how many idle connections to the provider a
// transport from NewTransport keeps. Go's default keeps two per host: in a
// login storm (every user at once, after a deploy, an outage or a
// cookie-secret rotation) every token exchange beyond two at a time opened
// a connection of its own and closed it after one request; against a real
// provider, a TLS handshake per login on both sides.
const MaxIdleConnsPerProvider = 64

// NewTransport is the transport to the provider: Go's default one (proxy
// from the environment, HTTP/2, its timeouts) keeping enough idle
// connections for logins that come all at once.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = MaxIdleConnsPerProvider
	return t
}

// boundedClient returns a copy of c whose transport caps response bodies.
func boundedClient(c *http.Client) *http.Client {
	bounded := *c
	next := c.Transport
	if next == nil {
		next = NewTransport()
	}
	bounded.Transport = limitedTransport{next: next, max: MaxResponseBytes}
	return &bounded
}
