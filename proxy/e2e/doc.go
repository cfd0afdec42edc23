// Package e2e drives gatehouse's real server over HTTP, with a real OpenID
// provider (zitadel/oidc's op), a real redis-server and a recording upstream,
// and where a test says so real peers (Hydra, nginx, php -S, a browser). It
// holds tests only; harness_test.go starts the server.
package e2e
