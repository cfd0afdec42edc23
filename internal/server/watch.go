package server

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"slices"
	"strconv"
	"time"
)

// watchConfig reloads whenever the config file or a *_file it names changes,
// checking every reload.watch_interval until ctx ends. Contents are
// compared, not mtimes: a Kubernetes volume swaps a symlink and keeps old
// mtimes, and two writes within one mtime tick look alike.
func (s *Server) watchConfig(ctx context.Context) {
	interval := s.cfg.Reload.WatchInterval
	files := s.watchedFiles()
	if interval <= 0 || len(files) == 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := fingerprint(files)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := fingerprint(files)
		if fp == last {
			continue
		}
		_ = s.Reload() // logged and counted by Reload
		// A reload may name other files; the new set is watched from now on.
		if now := s.watchedFiles(); !slices.Equal(now, files) {
			files, fp = now, fingerprint(now)
		}
		last = fp
	}
}

// watchedFiles is the config file and the *_file files of the running
// config. Nil while reload is not enabled.
func (s *Server) watchedFiles() []string {
	r := &s.reload
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts == nil {
		return nil
	}
	var files []string
	if r.opts.Path != "" {
		files = append(files, r.opts.Path)
	}
	return append(files, r.running.Files()...)
}

// maxWatchedBytes bounds what is hashed of one file; config.Load refuses
// larger files anyway.
const maxWatchedBytes = 1 << 20

// fingerprint hashes the names and contents of files. A file that cannot
// be read counts by its absence, so that its return is a change too.
func fingerprint(files []string) [sha256.Size]byte {
	h := sha256.New()
	for _, name := range files {
		_, _ = io.WriteString(h, name+"\x00")
		f, err := os.Open(name)
		if err != nil {
			_, _ = io.WriteString(h, "\x00missing\x00")
			continue
		}
		n, _ := io.Copy(h, io.LimitReader(f, maxWatchedBytes))
		_ = f.Close()
		_, _ = io.WriteString(h, "\x00"+strconv.FormatInt(n, 10)+"\x00")
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
