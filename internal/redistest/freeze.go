package redistest

import (
	"fmt"
	"syscall"
)

// Freeze stops the server process (SIGSTOP) without closing its sockets:
// commands sent meanwhile wait in the kernel's buffers and run when Thaw
// lets it go on, after their clients have given up on them. That is a slow
// Redis, which neither CLIENT PAUSE (it drops a paused command whose client
// disconnects) nor a stopped server can show.
func (s *Server) Freeze() {
	s.t.Helper()
	if err := s.signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: freeze: %v", err)
	}
	// A test that fails while the server is frozen leaves it running again.
	s.t.Cleanup(func() { _ = s.signal(syscall.SIGCONT) })
}

// Thaw lets a frozen server go on (SIGCONT) and returns once it has
// answered a PING, that is once it has run what was sent to it meanwhile.
func (s *Server) Thaw() {
	s.t.Helper()
	if err := s.signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("redistest: thaw: %v", err)
	}
	s.Do("PING")
}

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return fmt.Errorf("no redis-server running on port %d", s.port)
	}
	return s.cmd.Process.Signal(sig)
}
