package smtpclient

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Reply is one server reply (smtp_chat.c SMTP_RESP): the code, the RFC
// 3463 status derived from it, and the text of all lines, each with its
// "250-" or "250 " prefix, joined with "\n".
type Reply struct {
	Code int
	DSN  string // enhanced status; "X.0.0" when the server gave none; "5.5.0" for a code not 2xx/4xx/5xx
	Text string
}

// Line returns the reply as Postfix logs it: lines joined with spaces
// (translit(resp->str, "\n", " ")).
func (r *Reply) Line() string { return strings.ReplaceAll(r.Text, "\n", " ") }

// Class returns the first digit of the code.
func (r *Reply) Class() int { return r.Code / 100 }

// errEOF is a connection that ends inside a reply.
var errEOF = io.ErrUnexpectedEOF

// maxReplyText bounds the stored multi-line text (var_line_limit).
const maxReplyText = 2048

// readReply reads one (possibly multi-line) reply. Non-printable bytes
// become '?'. A line that is not "NNN-", "NNN " or "NNN" is garbage: it
// is kept in the text and reading goes on, as smtp_chat_resp() does
// ("Ignore unrecognized garbage"), so that a next hop that talks
// something other than SMTP runs into the command's timeout and the
// mail is deferred, never bounced on the strength of garbage.
func readReply(br *bufio.Reader) (*Reply, error) {
	var text strings.Builder
	var last string
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if text.Len() < maxReplyText {
			if text.Len() > 0 {
				text.WriteByte('\n')
			}
			text.WriteString(line)
		}
		last = line
		if threeDigits(line) && (len(line) == 3 || line[3] == ' ') {
			break
		}
		// A continuation line, or garbage: read on.
	}
	r := &Reply{Code: atoi3(last), Text: text.String()}
	r.DSN = replyDSN(last, r.Code)
	return r, nil
}

// replyDSN extracts the enhanced status of the last line; it must agree
// with the reply class, otherwise "X.0.0" is used.
func replyDSN(line string, code int) string {
	c := line[0]
	if c != '2' && c != '4' && c != '5' {
		return "5.5.0"
	}
	rest := strings.TrimLeft(line[min(4, len(line)):], " ")
	if n := validStatus(rest); n > 0 && rest[0] == c {
		return rest[:n]
	}
	return string(c) + ".0.0"
}

func threeDigits(s string) bool {
	return len(s) >= 3 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && (len(s) == 3 || !isDigit(s[3]))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi3(s string) int { return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0') }

// readLine reads one line without its CRLF or LF, cutting it at
// maxReplyText bytes and replacing non-printable bytes with '?'.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b) < maxReplyText {
			b = append(b, chunk[:min(len(chunk), maxReplyText-len(b))]...)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return "", errEOF
		}
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	return printable(s), nil
}

// printable replaces control characters and invalid UTF-8 with '?'
// (printable() with smtputf8 support).
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r < 32 || r == 127 || (r >= 0x80 && r < 0xa0) {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// validStatus is dsn_valid(): the length of an X.Y.Z code at the start.
func validStatus(text string) int {
	if len(text) < 2 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.' {
		return 0
	}
	i := 2
	n := digits(text[i:])
	if n < 1 || n > 3 || i+n >= len(text) || text[i+n] != '.' {
		return 0
	}
	i += n + 1
	n = digits(text[i:])
	if n < 1 || n > 3 {
		return 0
	}
	i += n
	if i < len(text) && text[i] != ' ' && text[i] != '\t' {
		return 0
	}
	return i
}

func digits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}
