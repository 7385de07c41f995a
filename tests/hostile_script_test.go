package tests

// The attack-replay scripts of tests/testdata/hostile (README there has
// the format): parsing, and playing one against an SMTP server.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// hostileCase is one script.
type hostileCase struct {
	name     string
	path     string
	service  string   // the smtpd service (a variant of the configuration)
	client   string   // the client's source address
	messages int      // messages the next hop must get; -1: not checked
	never    []string // addresses no relayed message may have
	postfix  string   // "same", or why the real Postfix is not compared
	needs    []string // peers the case needs (dovecot)
	steps    []hostileStep
	lines    []string // the file, for recording
}

// hostileStep is one directive.
type hostileStep struct {
	line    int           // 1-based line in the file
	send    []byte        // bytes to send
	expect  *replyPattern // a reply line to read
	tls     bool          // client TLS handshake
	sleep   time.Duration // pause
	trickle time.Duration // send the pending bytes one at a time, this far apart
}

// replyPattern matches one reply line; count > 1 repeats it.
type replyPattern struct {
	text  string
	re    *regexp.Regexp
	eof   bool
	count int
}

func (p *replyPattern) String() string {
	switch {
	case p.eof:
		return "(EOF)"
	case p.re != nil:
		return "~" + p.re.String()
	}
	return p.text
}

func (p *replyPattern) match(got string) bool {
	if p.re != nil {
		return p.re.MatchString(got)
	}
	return got == p.text
}

// loadHostileCases reads every *.txt script of dir.
func loadHostileCases(dir string) ([]*hostileCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no scripts in %s: %v", dir, err)
	}
	var out []*hostileCase
	for _, f := range files {
		c, err := parseHostileCase(f)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseHostileCase(path string) (*hostileCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &hostileCase{name: strings.TrimSuffix(filepath.Base(path), ".txt"), path: path,
		service: "default", client: "127.0.0.2", messages: -1, postfix: "same",
		lines: strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")}
	for i, line := range c.lines {
		if err := c.parseLine(i+1, line); err != nil {
			return nil, fmt.Errorf("%s, line %d: %v", path, i+1, err)
		}
	}
	return c, nil
}

func (c *hostileCase) parseLine(n int, line string) error {
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	op, arg, _ := strings.Cut(line, " ")
	switch op {
	case "service:", "client:", "messages:", "never:", "postfix:", "needs:":
		return c.header(op, arg)
	case ">", ">>", ">*":
		b, err := sendBytes(op, arg)
		c.steps = append(c.steps, hostileStep{line: n, send: b})
		return err
	case "<", "<~", "<*":
		p, err := parsePattern(op, arg)
		c.steps = append(c.steps, hostileStep{line: n, expect: p})
		return err
	case "=":
		return c.directive(n, arg)
	}
	return fmt.Errorf("unknown directive %q", op)
}

func (c *hostileCase) header(op, arg string) error {
	var err error
	switch op {
	case "service:":
		c.service = arg
	case "client:":
		c.client = arg
	case "messages:":
		c.messages, err = strconv.Atoi(arg)
	case "never:":
		c.never = append(c.never, strings.Fields(arg)...)
	case "postfix:":
		c.postfix = arg
	case "needs:":
		c.needs = append(c.needs, strings.Fields(arg)...)
	}
	return err
}

func (c *hostileCase) directive(n int, arg string) error {
	verb, val, _ := strings.Cut(arg, " ")
	st := hostileStep{line: n}
	var err error
	switch verb {
	case "tls":
		st.tls = true
	case "sleep":
		st.sleep, err = time.ParseDuration(val)
	case "trickle":
		st.trickle, err = time.ParseDuration(val)
	default:
		return fmt.Errorf("unknown = directive %q", verb)
	}
	c.steps = append(c.steps, st)
	return err
}

// sendBytes: "> line" is line+CRLF, ">> text" is text with escapes and
// nothing added, ">* N line" is N times line+CRLF.
func sendBytes(op, arg string) ([]byte, error) {
	switch op {
	case ">":
		return []byte(arg + "\r\n"), nil
	case ">>":
		s, err := unescape(arg)
		return []byte(s), err
	}
	ns, line, _ := strings.Cut(arg, " ")
	n, err := strconv.Atoi(ns)
	if err != nil {
		return nil, err
	}
	s, err := unescape(line)
	return bytes.Repeat([]byte(s+"\r\n"), n), err
}

func parsePattern(op, arg string) (*replyPattern, error) {
	p := &replyPattern{text: arg, count: 1}
	switch op {
	case "<~":
		re, err := regexp.Compile("^(?:" + arg + ")$")
		p.re = re
		return p, err
	case "<*":
		ns, line, _ := strings.Cut(arg, " ")
		n, err := strconv.Atoi(ns)
		p.text, p.count = line, n
		return p, err
	}
	p.eof = arg == "(EOF)"
	return p, nil
}

// unescape undoes \r \n \t \0 \\ \xHH and \s (a space at the end).
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case 's':
			b.WriteByte(' ')
		case '\\':
			b.WriteByte('\\')
		case 'x':
			if i+2 >= len(s) {
				return "", errors.New("short \\x escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// transcript is what one play of a script saw: each reply line read
// (normalized), with the file line of the expectation it was read for.
type transcript struct {
	got    []string
	groups [][]string // recording: the lines read for each run of expectations
	errs   []string   // mismatches, with file lines
}

// queuedAs hides queue IDs: they differ between runs and MTAs.
var queuedAs = regexp.MustCompile(`queued as [0-9A-Za-z]+`)

func normalizeReply(s string) string { return queuedAs.ReplaceAllString(s, "queued as QID") }

// play runs the script against addr. With record set it reads, for
// each run of expectations, every reply that comes before the server
// goes quiet for 3 seconds, to write the expectations from an oracle.
func (c *hostileCase) play(addr string, record bool) *transcript {
	tr := &transcript{}
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.client)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		tr.errs = append(tr.errs, "connect: "+err.Error())
		return tr
	}
	p := &player{conn: conn, br: bufio.NewReader(conn), tr: tr}
	defer func() { p.conn.Close() }()
	var pending []byte
	inBlock := false // the previous step was an expectation
	for _, st := range c.steps {
		switch {
		case st.send != nil:
			pending = append(pending, st.send...)
		case st.trickle > 0:
			p.trickle(pending, st.trickle)
			pending = nil
		case record && st.expect != nil:
			p.write(pending)
			pending = nil
			if !inBlock {
				tr.groups = append(tr.groups, p.readIdle())
			}
		default:
			p.write(pending)
			pending = nil
			p.step(st)
		}
		inBlock = st.expect != nil
	}
	p.write(pending)
	return tr
}

type player struct {
	conn   net.Conn
	br     *bufio.Reader
	tr     *transcript
	closed bool // the server closed (or a read failed)
}

func (p *player) write(b []byte) {
	if len(b) == 0 {
		return
	}
	p.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
	p.conn.Write(b) // a failed write shows as EOF on the next read
}

func (p *player) trickle(b []byte, gap time.Duration) {
	for i := range b {
		p.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		if _, err := p.conn.Write(b[i : i+1]); err != nil {
			return
		}
		time.Sleep(gap)
	}
}

func (p *player) step(st hostileStep) {
	switch {
	case st.sleep > 0:
		time.Sleep(st.sleep)
	case st.tls:
		tc := tls.Client(p.conn, &tls.Config{InsecureSkipVerify: true, ServerName: "mx.example.test"})
		tc.SetDeadline(time.Now().Add(20 * time.Second))
		if err := tc.Handshake(); err != nil {
			p.tr.errs = append(p.tr.errs, fmt.Sprintf("line %d: TLS handshake: %v", st.line, err))
			p.closed = true
			return
		}
		p.conn, p.br = tc, bufio.NewReader(tc)
	case st.expect != nil:
		for i := 0; i < st.expect.count; i++ {
			if !p.expect(st.line, st.expect) {
				return
			}
		}
	}
}

// expect reads one line and compares it.
func (p *player) expect(line int, want *replyPattern) bool {
	got := p.readLine(30 * time.Second)
	p.tr.got = append(p.tr.got, got)
	if !want.match(got) {
		p.tr.errs = append(p.tr.errs, fmt.Sprintf("line %d: want %q, got %q", line, want, got))
		return false
	}
	return true
}

// readIdle returns the lines that come until an idle 3 seconds or
// the end of the connection (recording).
func (p *player) readIdle() []string {
	var out []string
	for !p.closed {
		got := p.readLine(3 * time.Second)
		if got == "(idle)" {
			break
		}
		out = append(out, got)
	}
	p.tr.got = append(p.tr.got, out...)
	return out
}

// readLine returns a reply line without CRLF, normalized, or "(EOF)",
// or "(idle)" after wait.
func (p *player) readLine(wait time.Duration) string {
	if p.closed {
		return "(EOF)"
	}
	p.conn.SetReadDeadline(time.Now().Add(wait))
	s, err := p.br.ReadString('\n')
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && s == "" {
			return "(idle)"
		}
		if s == "" || errors.Is(err, io.EOF) {
			p.closed = true
			return "(EOF)"
		}
	}
	return normalizeReply(strings.TrimRight(s, "\r\n"))
}

// recorded rewrites the script with a recording: each run of
// expectations is replaced by the lines read at that point, repeated
// lines folded into "<* N line".
func (c *hostileCase) recorded(tr *transcript) string {
	var out []string
	groups := tr.groups
	inReplies := false
	for _, line := range c.lines {
		op, _, _ := strings.Cut(line, " ")
		isReply := op == "<" || op == "<~" || op == "<*"
		if isReply && inReplies {
			continue
		}
		inReplies = isReply
		if !isReply {
			out = append(out, line)
			continue
		}
		if len(groups) == 0 {
			out = append(out, "< (nothing read)")
			continue
		}
		out = append(out, foldReplies(groups[0])...)
		groups = groups[1:]
	}
	return strings.Join(out, "\n") + "\n"
}

func foldReplies(lines []string) []string {
	var out []string
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		if j-i > 3 {
			out = append(out, fmt.Sprintf("<* %d %s", j-i, lines[i]))
		} else {
			for k := i; k < j; k++ {
				out = append(out, "< "+lines[k])
			}
		}
		i = j
	}
	if len(out) == 0 {
		out = append(out, "< (nothing read)")
	}
	return out
}
