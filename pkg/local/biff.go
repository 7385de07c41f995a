package local

import (
	"net"
	"strconv"
	"time"
)

// biffNotify tells the local comsat(8) service that mail arrived:
// "user@offset" with a terminating null byte, in one UDP datagram to
// port "biff" on localhost (biff_notify.c). Failures are ignored.
func biffNotify(text string) {
	port, err := net.LookupPort("udp", "biff")
	if err != nil {
		port = 512
	}
	c, err := net.DialTimeout("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	c.Write(append([]byte(text), 0))
}
