package anvil

import (
	"fmt"
	"time"
)

// Peak usage statistics (anvil.c ANVIL_MAX): the highest connection
// count and event rates and the largest table size since the last
// report, with the ident and the time. Report logs and resets them.

type peak struct {
	value int
	ident string
	when  int64
}

type peaks struct {
	connRate, connCount, mail, rcpt, ntls, auth peak
	cache                                       int
	cacheWhen                                   int64
}

// update records a new maximum (ANVIL_MAX_UPDATE).
func (p *peaks) update(pk *peak, value int, ident string, now int64) {
	if value > pk.value {
		pk.value, pk.ident, pk.when = value, ident, now
	}
}

// StatusTimeFormat is ctime(3) without the weekday and the year, as
// anvil prints it ("%.15s" of ctime() + 4): "Nov  2 18:40:00".
const StatusTimeFormat = "Jan _2 15:04:05"

func stamp(when int64) string { return time.Unix(when, 0).Format(StatusTimeFormat) }

// Report returns the statistics lines for the values measured since the
// last report, in anvil_status_dump's order, and resets them. Values
// that stayed zero are not reported:
//
//	statistics: max connection rate 3/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max connection count 2 for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max message rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max recipient rate 5/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max newtls rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max auth rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max cache size 5 at Nov 21 18:40:00
func (t *Table) Report() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	rate := func(pk *peak, name string) {
		if pk.value > 0 {
			out = append(out, fmt.Sprintf("statistics: max %s rate %d/%ds for (%s) at %s",
				name, pk.value, t.unit, pk.ident, stamp(pk.when)))
			pk.value = 0
		}
	}
	m := &t.max
	rate(&m.connRate, "connection")
	if m.connCount.value > 0 {
		out = append(out, fmt.Sprintf("statistics: max connection count %d for (%s) at %s",
			m.connCount.value, m.connCount.ident, stamp(m.connCount.when)))
		m.connCount.value = 0
	}
	rate(&m.mail, "message")
	rate(&m.rcpt, "recipient")
	rate(&m.ntls, "newtls")
	rate(&m.auth, "auth")
	if m.cache > 0 {
		out = append(out, fmt.Sprintf("statistics: max cache size %d at %s", m.cache, stamp(m.cacheWhen)))
		m.cache = 0
	}
	return out
}
