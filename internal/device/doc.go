// Package device says, coarsely, where a login happened: a short description
// of the browser and system from the User-Agent header, and the client
// address cut down to its network. Both are shown to the user on their own
// sessions page; neither is precise enough to track anyone, and neither
// echoes a byte of what the client sent.
package device
