package qmgr

import (
	"strconv"
	"strings"
	"time"
)

// Stats are the time stamps of one delivery attempt (global/msg_stats.h),
// from which the "delay=" and "delays=a/b/c/d" fields are computed.
type Stats struct {
	IncomingArrival time.Time // message arrival
	ActiveArrival   time.Time // moved to the active queue
	AgentHandoff    time.Time // zero when qmgr decided itself
	ConnSetupDone   time.Time // zero without a network connection
	DeliverDone     time.Time // zero: now
}

// deliveryLine formats Postfix's per-recipient delivery record
// (global/log_adhoc.c):
// "QID: to=<r>, orig_to=<o>, relay=R, delay=D, delays=a/b/c/d, dsn=X, status=S (reason)".
func deliveryLine(id, rcpt, orig, relay string, st Stats, now time.Time, d DSN, status string, resolution int) string {
	var b strings.Builder
	b.WriteString(id)
	b.WriteString(": to=<")
	b.WriteString(rcpt)
	b.WriteByte('>')
	if orig != "" && !strings.EqualFold(orig, rcpt) {
		b.WriteString(", orig_to=<")
		b.WriteString(orig)
		b.WriteByte('>')
	}
	b.WriteString(", relay=")
	b.WriteString(relay)
	if !st.DeliverDone.IsZero() {
		now = st.DeliverDone
	}
	var p, a, s, x time.Duration
	if !st.ActiveArrival.IsZero() {
		p = st.ActiveArrival.Sub(st.IncomingArrival)
		if !st.AgentHandoff.IsZero() {
			a = st.AgentHandoff.Sub(st.ActiveArrival)
			if !st.ConnSetupDone.IsZero() {
				s = st.ConnSetupDone.Sub(st.AgentHandoff)
				x = now.Sub(st.ConnSetupDone)
			} else {
				x = now.Sub(st.AgentHandoff)
			}
		} else {
			a = now.Sub(st.ActiveArrival)
		}
	} else {
		p = now.Sub(st.IncomingArrival)
	}
	b.WriteString(", delay=")
	b.WriteString(FormatDelay(now.Sub(st.IncomingArrival), resolution))
	b.WriteString(", delays=")
	for i, v := range []time.Duration{p, a, s, x} {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(FormatDelay(v, resolution))
	}
	b.WriteString(", dsn=")
	b.WriteString(d.Status)
	b.WriteString(", status=")
	b.WriteString(status)
	b.WriteString(" (")
	b.WriteString(d.Reason)
	b.WriteByte(')')
	return b.String()
}

// FormatDelay formats a delay with two significant digits and at most
// maxDig decimals (delay_logging_resolution_limit), as Postfix's
// format_tv(): 0.004 -> "0", 0.123 -> "0.12", 1.23 -> "1.2", 12.3 -> "12".
func FormatDelay(d time.Duration, maxDig int) string {
	const million = 1000000
	const sigDig = 2
	if d < 0 {
		d = 0
	}
	if maxDig < 0 || maxDig > 6 {
		maxDig = 2
	}
	pow10 := []int64{1, 10, 100, 1000, 10000, 100000, 1000000}
	sec, usec := int64(d/time.Second), int64(d%time.Second/time.Microsecond)
	ures := million / pow10[maxDig]
	wid := pow10[sigDig]
	if ures < million {
		if sec > 0 {
			n := int64(1)
			for sec >= n && n <= wid/10 {
				n *= 10
			}
			ures = (million / wid) * n
		} else {
			for usec >= wid*ures {
				ures *= 10
			}
		}
	}
	if ures > 1 {
		usec += ures / 2
		if usec >= million {
			sec++
			usec -= million
		}
	}
	out := strconv.FormatInt(sec, 10)
	if usec >= ures {
		var b strings.Builder
		b.WriteString(out)
		b.WriteByte('.')
		rem := usec
		for n := int64(million / 10); rem >= ures && n > 0; n /= 10 {
			b.WriteByte("0123456789"[rem/n])
			rem %= n
		}
		out = b.String()
	}
	return out
}
