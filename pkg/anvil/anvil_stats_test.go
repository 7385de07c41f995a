package anvil

import (
	"strings"
	"testing"
	"time"
)

// TestAnvilStatsLines: the peak values as anvil_status_dump logs them,
// in its order, only those above zero, reset after each report.
func TestAnvilStatsLines(t *testing.T) {
	tb, clk := newTestTable(5 * time.Second)
	a, b := tb.Open(), tb.Open()
	a.Connect("smtp:1.2.3.4")
	b.Connect("smtp:1.2.3.4")
	a.Message("smtp:1.2.3.4")
	clk.advance(2 * time.Second)
	b.Recipient("smtp:5.5.5.5")
	got := tb.Report()
	want := []string{
		"statistics: max connection rate 2/5s for (smtp:1.2.3.4) at Nov 21 18:40:00",
		"statistics: max connection count 2 for (smtp:1.2.3.4) at Nov 21 18:40:00",
		"statistics: max message rate 1/5s for (smtp:1.2.3.4) at Nov 21 18:40:00",
		"statistics: max recipient rate 1/5s for (smtp:5.5.5.5) at Nov 21 18:40:02",
		"statistics: max cache size 2 at Nov 21 18:40:02",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := tb.Report(); len(got) != 0 {
		t.Errorf("second report without events: %q", got)
	}
	// After a report, a lower value than the old peak is a new peak.
	clk.advance(time.Minute)
	a.NewTLS("smtp:9.9.9.9")
	a.Auth("smtp:9.9.9.9")
	got = tb.Report()
	// Events that create an entry count a connection but do not update
	// the connection peaks: only a connect request does, as in Postfix.
	want = []string{
		"statistics: max newtls rate 1/5s for (smtp:9.9.9.9) at Nov 21 18:41:02",
		"statistics: max auth rate 1/5s for (smtp:9.9.9.9) at Nov 21 18:41:02",
		"statistics: max cache size 3 at Nov 21 18:41:02",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAnvilStatsTimeFormat: ctime(3)'s day of month is padded with a
// space.
func TestAnvilStatsTimeFormat(t *testing.T) {
	when := time.Date(2024, 3, 5, 7, 8, 9, 0, time.Local).Unix()
	if got := stamp(when); got != "Mar  5 07:08:09" {
		t.Errorf("stamp: %q", got)
	}
}
