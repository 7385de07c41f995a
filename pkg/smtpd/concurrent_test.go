package smtpd

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentSessions serves many sessions at once in one process,
// as the performance work will (one goroutine per session).
func TestConcurrentSessions(t *testing.T) {
	ts := startServer(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access hash:/x"})
	const n = 50
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ts.dial(t)
			c.reply()
			c.expect("EHLO c", ehloReply)
			c.expect(fmt.Sprintf("MAIL FROM:<s%d@b.example>", i), "250 2.1.0 Ok")
			c.expect("RCPT TO:<user@example.com>", fmt.Sprintf("451 4.3.5 <s%d@b.example>: Sender address rejected: "+
				"Server configuration error", i))
			c.expect("QUIT", "221 2.0.0 Bye")
		}()
	}
	wg.Wait()
}
