package smtpd

import (
	"strconv"
	"strings"
)

// Per-command counters for the "disconnect from" line, in the order of
// Postfix's command table; "unknown" last.
var cmdNames = [...]string{"helo", "ehlo", "xclient", "xforward", "starttls",
	"auth", "mail", "rcpt", "data", "bdat", "rset", "noop", "vrfy", "etrn",
	"quit", "unknown"}

const cmdUnknown = len(cmdNames) - 1

type cmdStats struct {
	ok, total [len(cmdNames)]int
}

// format renders " helo=1 mail=1/2 ... commands=N[/M]"
// (smtpd_format_cmd_stats).
func (c *cmdStats) format() string {
	var sb strings.Builder
	allOK, all := 0, 0
	for i, name := range cmdNames {
		if c.total[i] == 0 {
			continue
		}
		sb.WriteString(" " + name + "=" + strconv.Itoa(c.ok[i]))
		if c.ok[i] != c.total[i] {
			sb.WriteString("/" + strconv.Itoa(c.total[i]))
		}
		allOK += c.ok[i]
		all += c.total[i]
	}
	sb.WriteString(" commands=" + strconv.Itoa(allOK))
	if allOK != all || all == 0 {
		sb.WriteString("/" + strconv.Itoa(all))
	}
	return sb.String()
}
