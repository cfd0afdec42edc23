package config

import "time"

// Reload configures how a running gatehouse notices a changed configuration.
// SIGHUP always reloads; see docs/reload.md for what takes effect.
type Reload struct {
	// WatchInterval is how often the config file and every *_file it names
	// are checked for a change (content, not only mtime: Kubernetes swaps a
	// mounted ConfigMap through a symlink); a change reloads the config. 0
	// turns watching off, leaving SIGHUP (key reload.watch_interval, default
	// 1s; 0 or at least 50ms).
	WatchInterval time.Duration `key:"watch_interval"`
}

// minWatchInterval keeps a mistyped interval ("1ms") from turning the
// watcher into a busy loop over the files.
const minWatchInterval = 50 * time.Millisecond

func (c *Config) validateReload(errs *problems) {
	if d := c.Reload.WatchInterval; d != 0 && d < minWatchInterval {
		errs.add("reload.watch_interval", "%s is neither 0 (off) nor at least %s", d, minWatchInterval)
	}
}
