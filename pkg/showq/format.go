package showq

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Line formats of postqueue -p (showq_compat.c). The short-ID format is
// kept as is for the programs that parse it.
const (
	sString = "%-11s %7s %-20s %s\n"
	sSender = "%-11s %7d %20.20s %s\n"
	lString = "%-17s %8s %-19s %s\n"
	lSender = "%-17s %8d %19.19s %s\n"
)

var (
	sHeadings = []any{"-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------"}
	lHeadings = []any{"----Queue ID-----", "--Size--", "---Arrival Time----", "--Sender/Recipient------"}
)

// Compat writes postqueue -p output: a heading, one block per message,
// a blank line between messages, and the summary; "Mail queue is empty"
// when there is nothing.
type Compat struct {
	w       *bufio.Writer
	longIDs bool
	count   int64
	bytes   int64
	loc     *time.Location
}

// NewCompat starts a listing on w. longIDs is enable_long_queue_ids.
func NewCompat(w io.Writer, longIDs bool) *Compat {
	return &Compat{w: bufio.NewWriter(w), longIDs: longIDs, loc: time.Local}
}

// Message writes one message block.
func (c *Compat) Message(m *Message) error {
	strFmt, sndFmt, heads := sString, sSender, sHeadings
	if c.longIDs {
		strFmt, sndFmt, heads = lString, lSender, lHeadings
	}
	if c.count > 0 {
		c.w.WriteString("\n")
	} else {
		fmt.Fprintf(c.w, strFmt, heads...)
	}
	id := m.ID
	switch m.Queue {
	case "active":
		id += "*"
	case "hold":
		id += "!"
	}
	if m.ForcedExpire {
		id += "#"
	}
	fmt.Fprintf(c.w, sndFmt, id, m.Size, asctime(time.Unix(m.Arrival, 0).In(c.loc)), m.Sender)
	saved := ""
	for _, r := range m.Recipients {
		// A "(reason)" line when the reason differs from the previous
		// recipient's; "(reason unavailable)" when it disappears.
		if r.Reason != saved {
			saved = r.Reason
			show := saved
			if show == "" {
				show = "reason unavailable"
			}
			pad := max(76-len(show), 0)
			fmt.Fprintf(c.w, "%*s(%s)\n", pad, "", show)
		}
		fmt.Fprintf(c.w, strFmt, "", "", "", r.Address)
	}
	c.count++
	c.bytes += m.Size
	return c.w.Flush()
}

// Close writes the summary.
func (c *Compat) Close() error {
	if c.count == 0 {
		c.w.WriteString("Mail queue is empty\n")
	} else {
		s := "s"
		if c.count == 1 {
			s = ""
		}
		fmt.Fprintf(c.w, "\n-- %d Kbytes in %d Request%s.\n", c.bytes/1024, c.count, s)
	}
	return c.w.Flush()
}

// asctime is C's asctime() without the newline: "Thu Nov 21 18:40:00 2024".
func asctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// JSON writes one postqueue -j object per message (showq_json.c).
func JSON(w io.Writer, m *Message) error {
	var b strings.Builder
	b.WriteString("{")
	fmt.Fprintf(&b, "\"queue_name\": \"%s\", ", jsonQuote(m.Queue))
	fmt.Fprintf(&b, "\"queue_id\": \"%s\", ", jsonQuote(m.ID))
	fmt.Fprintf(&b, "\"arrival_time\": %d, ", m.Arrival)
	fmt.Fprintf(&b, "\"message_size\": %d, ", m.Size)
	fmt.Fprintf(&b, "\"forced_expire\": %t, ", m.ForcedExpire)
	fmt.Fprintf(&b, "\"sender\": \"%s\", ", jsonQuote(m.Sender))
	b.WriteString("\"recipients\": [")
	for i, r := range m.Recipients {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{\"address\": \"%s\"", jsonQuote(r.Address))
		if r.Reason != "" {
			fmt.Fprintf(&b, ", \"delay_reason\": \"%s\"", jsonQuote(r.Reason))
		}
		b.WriteString("}")
	}
	b.WriteString("]}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonQuote escapes as showq_json.c's json_quote: short escapes for
// \b \f \n \r \t, \u00XX for other control characters, backslash before
// '\' and '"'.
func jsonQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\b':
			b.WriteString("\\b")
		case c == '\f':
			b.WriteString("\\f")
		case c == '\n':
			b.WriteString("\\n")
		case c == '\r':
			b.WriteString("\\r")
		case c == '\t':
			b.WriteString("\\t")
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", c)
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return printable(b.String())
}
