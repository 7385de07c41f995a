package deliver

import (
	"strconv"
	"strings"
	"time"
)

// Stats are the time stamps of one delivery attempt (global/msg_stats.h).
// A zero time means "not reached"; LogLine then uses the wall clock as
// Postfix's log_adhoc() does.
type Stats struct {
	Arrival    time.Time // message arrival (incoming_arrival)
	Active     time.Time // entry into the active queue
	Handoff    time.Time // delivery agent received the request
	ConnSetup  time.Time // connection, greeting, HELO and TLS done
	Done       time.Time // delivery finished (same for all recipients of a transaction)
	ReuseCount int       // times the connection was used before (conn_use = N+1)
}

// LogLine formats the delivery record of one recipient exactly as
// Postfix's log_adhoc() does:
//
//	ID: to=<a>, orig_to=<b>, relay=R, conn_use=N, delay=D, delays=a/b/c/d, dsn=S, status=WORD (reason)
//
// maxRes is delay_logging_resolution_limit.
func LogLine(id string, st Stats, rcpt Recipient, relay string, dsn DSN, word string, maxRes int, now time.Time) string {
	var b strings.Builder
	b.WriteString(id)
	b.WriteString(": to=<")
	b.WriteString(rcpt.Address)
	b.WriteString(">")
	if rcpt.OrigAddress != "" && !strings.EqualFold(rcpt.Address, rcpt.OrigAddress) {
		b.WriteString(", orig_to=<" + rcpt.OrigAddress + ">")
	}
	b.WriteString(", relay=" + relay)
	if st.ReuseCount > 0 {
		b.WriteString(", conn_use=" + strconv.Itoa(st.ReuseCount+1))
	}
	if !st.Done.IsZero() {
		now = st.Done
	}
	total, p, a, s, x := delays(st, now)
	b.WriteString(", delay=" + FormatDelay(total, maxRes))
	b.WriteString(", delays=" + FormatDelay(p, maxRes) + "/" + FormatDelay(a, maxRes) +
		"/" + FormatDelay(s, maxRes) + "/" + FormatDelay(x, maxRes))
	b.WriteString(", dsn=" + dsn.Status + ", status=" + word + " (" + dsn.Reason + ")")
	return b.String()
}

// delays computes delay and the four delays=a/b/c/d parts.
func delays(st Stats, now time.Time) (total, p, a, s, x time.Duration) {
	total = delta(now, st.Arrival)
	switch {
	case st.Active.IsZero(): // no queue manager
		p = delta(now, st.Arrival)
	case st.Handoff.IsZero(): // no delivery agent
		p = delta(st.Active, st.Arrival)
		a = delta(now, st.Active)
	case st.ConnSetup.IsZero(): // no network client
		p = delta(st.Active, st.Arrival)
		a = delta(st.Handoff, st.Active)
		x = delta(now, st.Handoff)
	default:
		p = delta(st.Active, st.Arrival)
		a = delta(st.Handoff, st.Active)
		s = delta(st.ConnSetup, st.Handoff)
		x = delta(now, st.ConnSetup)
	}
	return
}

// delta is y - z, never negative (log_adhoc.c DELTA). Times are taken at
// microsecond resolution, as gettimeofday() gives them.
func delta(y, z time.Time) time.Duration {
	d := y.Truncate(time.Microsecond).Sub(z.Truncate(time.Microsecond))
	if d < 0 || z.IsZero() {
		return 0
	}
	return d
}

// FormatDelay formats a duration as util/format_tv.c does with two
// significant digits and at most maxRes decimals: 0.004 → "0", 0.005 →
// "0.01", 0.123 → "0.12", 1.23 → "1.2", 9.99 → "10", 123.4 → "123".
func FormatDelay(d time.Duration, maxRes int) string {
	const million = 1000000
	const sigDig = 2
	if maxRes < 0 || maxRes > 6 {
		maxRes = 2
	}
	sec := int64(d / time.Second)
	usec := int64(d%time.Second) / int64(time.Microsecond)
	pow10 := []int64{1, 10, 100, 1000, 10000, 100000, 1000000}
	ures := million / pow10[maxRes]
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
			b.WriteByte(byte('0' + rem/n))
			rem %= n
		}
		out = b.String()
	}
	return out
}
