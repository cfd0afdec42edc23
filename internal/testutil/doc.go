// Package testutil owns the small helpers that tests across the module would
// otherwise each write again: a listener on a free loopback port, a port for a
// server that binds it itself, and polling for a condition that becomes true
// soon. It is for tests and test helpers only; internal/layers fails when a
// production package imports it.
package testutil
