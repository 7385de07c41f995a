package smtpd

// The scripts of the comparison test. A step sends a command line (CRLF
// added) or raw bytes and reads a number of replies.

type step struct {
	send    string
	replies int
}

// L sends one command line and reads one reply.
func L(line string) step { return step{line + "\r\n", 1} }

// R sends raw bytes and reads n replies.
func R(raw string, n int) step { return step{raw, n} }

type script struct {
	name, variant string
	steps         []step
}

const msg = "Subject: test\r\n\r\nhello\r\n.\r\n"

var scripts = []script{
	{"good session", "default", []step{L("EHLO client.example"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R(msg, 1), L("QUIT")}},
	{"good session HELO", "default", []step{L("HELO client.example"), L("MAIL FROM:<>"),
		L("RCPT TO:<user@example.com>"), L("RCPT TO:<postmaster>"), L("DATA"), R(".leading dot\r\n..\r\n.\r\n", 1),
		L("RSET"), L("NOOP"), L("NOOP with args"), L("QUIT")}},
	{"pipelined", "default", []step{L("EHLO client.example"),
		R("MAIL FROM:<a@sender.example>\r\nRCPT TO:<user@example.com>\r\nRCPT TO:<x@other.example>\r\nDATA\r\n", 4),
		R(msg+"QUIT\r\n", 2)}},
	{"dsn parameters", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example> RET=HDRS ENVID=abc+2Bdef BODY=8BITMIME SIZE=100"),
		L("RCPT TO:<user@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user+40example.com"),
		L("RCPT TO:<u2@example.com> NOTIFY=NEVER"), L("DATA"), R(msg, 1), L("QUIT")}},
	{"bad sequence", "default", []step{L("RCPT TO:<user@example.com>"), L("DATA"), L("MAIL FROM:<a@b.example>"),
		L("MAIL FROM:<a@b.example>"), L("DATA"), L("RSET x"), L("RSET"), L("HELO"), L("EHLO"), L("QUIT")}},
	{"bad syntax", "default", []step{L("EHLO c"), L("MAIL FROM <a@b.example>"), L("MAIL FROM:"),
		L("MAIL FROM:<a b@c.example>"), L("MAIL FROM:<a@b.example"), L("MAIL FROM:<a@b.example> FOO=bar"),
		L("MAIL FROM:<a@b.example> SIZE=abc"), L("MAIL FROM:<a@b.example> RET=X"), L("MAIL FROM:<a@b.example> ENVID=a+zz"),
		L("MAIL FROM:<a@b.example> BODY=foo"), L("MAIL FROM:<a@b..example>"), L("MAIL FROM:<@route.example:a@b.example> AUTH=<>"),
		L("RCPT TO:<>"), L("RCPT TO:<user@example.com> NOTIFY=bogus"), L("RCPT TO:<user@example.com> NOTIFY=NEVER,SUCCESS"),
		L("RCPT TO:<user@example.com> ORCPT=bad"), L("RCPT TO:<user@example.com> FOO"), L("RCPT TO: <user@example.com>"),
		L("DATA x"), L(""), L("   "), L("QUIT")}},
	{"bad syntax 2", "default", []step{L("EHLO c"), L("VRFY"), L("ETRN"), L("ETRN bad..domain"), L("ETRN #other.example"),
		L("STARTTLS"), L("STARTTLS x"), L("AUTH PLAIN"), L("XCLIENT NAME=x"), L("XFORWARD"), L("MAIL FROM:<a@b.example>"),
		L("XCLIENT NAME=x"), L("ETRN x.example"), L("RSET"), L("VRFY a b c"), L("VRFY <a@b.example> SMTPUTF8"),
		L("MAIL FROM:<a@b.example> SMTPUTF8"), L("RCPT TO:<ü@example.com>"), L("RCPT TO:<a@exämple.com>"), L("QUIT")}},
	{"unknown command", "default", []step{L("EHLO c"), L("FOO bar"), L("foo"), L("Subject: hello")}},
	{"http", "default", []step{L("GET / HTTP/1.0")}},
	{"relay denied", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"), L("RCPT TO:<x@other.example>"),
		L("RCPT TO:<y@relay.example>"), L("RCPT TO:<z@sub.relay.example>"), L("RCPT TO:<user%other.example@example.com>"),
		L("RCPT TO:<user@[127.0.0.1]>"), L("VRFY <x@other.example>"), L("VRFY user"), L("QUIT")}},
	{"relay denied 554", "novrfy", []step{L("MAIL FROM:<a@b.example>"), L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<x@other.example>"), L("VRFY user"), L("ETRN other.example"), L("QUIT")}},
	{"too many recipients", "limits", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<u1@example.com>"), L("RCPT TO:<u2@example.com>"), L("RCPT TO:<u3@example.com>"),
		L("RCPT TO:<u4@example.com>"), L("RCPT TO:<u5@example.com>"), L("RSET"), L("QUIT")}},
	{"size too big", "limits", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example> SIZE=2001"),
		L("MAIL FROM:<a@sender.example> SIZE=99999999999999999999999"), L("MAIL FROM:<a@sender.example> SIZE=1000"),
		L("RCPT TO:<u1@example.com>"), L("DATA"), R(bigBody(30, 79), 1), L("QUIT")}},
	{"long lines", "limits", []step{L("EHLO c"), L("NOOP " + bigLine(1200)), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<u1@example.com>"), L("DATA"), R(bigLine(1100)+"\r\n."+bigLine(511)+"\r\n.\r\n", 1), L("QUIT")}},
	{"errors beyond limits", "limits", []step{L("FOO"), L("BAR"), L("MAIL FROM:<a"), L("BAZ"), R("", 1)}},
	{"vrfy off", "novrfy", []step{L("VRFY user"), L("EHLO c"), L("VRFY user"), L("QUIT")}},
	{"bare LF in DATA normalize", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R("Subject: x\r\n\r\nline\n.\nmore\r\n.\nsmuggled\r\n.\r\n", 1), L("QUIT")}},
	{"bare LF in DATA reject", "bare-reject", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R("Subject: x\r\n\r\nline\nmore\r\n.\r\n", 1), L("QUIT")}},
	{"bare LF in command reject", "bare-reject", []step{L("EHLO c"), R("NOOP\n", 1)}},
	{"bare LF in command normalize", "default", []step{R("EHLO c\n", 1), R("NOOP\n", 1), L("QUIT")}},
	{"chunking", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"), L("RCPT TO:<user@example.com>"),
		R("BDAT 14\r\nSubject: x\r\n\r\n", 1), R("BDAT 7 LAST\r\nhello\r\n", 1), L("BDAT 0 LAST"), L("BDAT 0"),
		L("BDAT x"), L("QUIT")}},
	{"chunking errors", "default", []step{L("EHLO c"), R("BDAT 5\r\nhello", 1), L("MAIL FROM:<a@sender.example>"),
		L("RSET"), L("MAIL FROM:<a@sender.example>"), R("BDAT 3\r\nabc", 1), L("RSET"), L("QUIT")}},
	{"minfree", "minfree", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"), L("QUIT")}},
	{"no delay reject", "nodelay", []step{R("EHLO c\r\nNOOP\r\n", 2), L("MAIL FROM:<a@sender.example>"),
		L("MAIL FROM:<a@sender.example> RET=FULL"), L("BDAT 1 LAST"), L("QUIT")}},
	{"restrictions", "restrict", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("RCPT TO:<x@other.example>"), L("DATA"), L("QUIT")}},
	{"end-of-data restriction", "eod", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R(msg, 1), L("RSET"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), R("BDAT 7 LAST\r\nhello\r\n", 1), L("QUIT")}},
	{"data restriction", "data", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R("BDAT 3 LAST\r\nabc", 1), L("RSET"), L("ETRN x.example"), L("QUIT")}},
	{"end-of-data restriction 2", "eod", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R(msg, 1), L("MAIL FROM:<a@sender.example>"), L("QUIT")}},
	{"timeout", "timeout", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>")}},
	{"lost connection in BDAT", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), R("BDAT 14\r\nSubject: x\r\n\r\n", 1), R("BDAT 100\r\nhello\r\nwor", 0)}},
	{"lost connection", "default", []step{L("EHLO c"), L("MAIL FROM:<a@sender.example>"),
		L("RCPT TO:<user@example.com>"), L("DATA"), R("Subject: x\r\n\r\npartial", 0)}},
}

func bigLine(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

// bigBody is n lines of w bytes and the end-of-data line.
func bigBody(n, w int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += bigLine(w) + "\r\n"
	}
	return s + ".\r\n"
}
