package main

import "fmt"

// headerChoices are the redis-cache configuration with one of the two ways
// of telling the upstream who the user is turned off, so that an operator
// sees what each costs: the plain identity headers alone
// (identity.assertion.enabled false: no signature per session and TTL
// window, a smaller request) or the signed assertion alone (identity.headers
// an empty map, which no environment variable can express: an empty
// variable counts as unset).
var headerChoices = []struct {
	name string
	env  []string
	file string
}{
	{"redis-cache-headers-only", []string{"GATEHOUSE_SESSION_STORE=redis", "GATEHOUSE_IDENTITY_ASSERTION_ENABLED=false"}, ""},
	{"redis-cache-assertion-only", []string{"GATEHOUSE_SESSION_STORE=redis"}, "identity:\n  headers: {}\n"},
}

// configFileEnv names the config file a gatehouse child loads besides its
// GATEHOUSE_* environment ("" or unset: none).
const configFileEnv = "GATEHOUSE_BENCH_CONFIG_FILE"

// checkHeaderChoice fails the run when a header-choice row's gatehouse does
// not send what its name says: a row measuring the wrong configuration would
// be believed.
func checkHeaderChoice(t *target, shapeName string) error {
	var assertion, user bool
	switch t.name {
	case "redis-cache-headers-only":
		user = true
	case "redis-cache-assertion-only":
		assertion = true
	default:
		return nil
	}
	got, err := gatehouseHeaders(t, shapeName)
	if err != nil {
		return err
	}
	if has := got.Get("X-Gatehouse-Assertion") != ""; has != assertion {
		return fmt.Errorf("%s: upstream got an assertion: %v, want %v", t.name, has, assertion)
	}
	if has := got.Get("X-Forwarded-User") != ""; has != user {
		return fmt.Errorf("%s: upstream got X-Forwarded-User: %v, want %v", t.name, has, user)
	}
	return nil
}
