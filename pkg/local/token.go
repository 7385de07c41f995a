package local

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/postern/postern/pkg/addr"
)

// deliverTokenString delivers to each address of an alias value or a
// line of a .forward or :include: file (token.c
// deliver_token_string()); count (when not nil) counts the addresses.
func (s state) deliverTokenString(usr userAttr, value string, count *int) result {
	var r result
	for _, node := range addr.Grep(addr.Parse(value), addr.Address) {
		if count != nil {
			*count++
		}
		r |= s.deliverToken(usr, node)
	}
	return r
}

// deliverTokenStream delivers to the addresses of a .forward or
// :include: file, line by line; lines starting with "#" are comments.
// Lines longer than line_length_limit are cut into pieces, as
// vstring_fgets_bound() reads them. Delivery stops at the first line
// that must be tried again.
func (s state) deliverTokenStream(usr userAttr, data []byte, count *int) result {
	limit := s.job.a.p.lineLimit
	if limit <= 0 {
		limit = 2048
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	sc.Split(boundedLines(limit))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if r := s.deliverTokenString(usr, line, count); r != ok {
			return r
		}
	}
	return ok
}

// boundedLines splits at newlines and every limit bytes.
func boundedLines(limit int) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 && i < limit {
			return i + 1, data[:i], nil
		}
		if len(data) >= limit {
			return limit, data[:limit], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	}
}

// deliverToken delivers to one destination (deliver_token()): /file,
// ~/file, |command, :include:/file, or an address.
func (s state) deliverToken(usr userAttr, node *addr.Node) result {
	text := addr.Internalize(node.Head)
	switch {
	case strings.HasPrefix(text, "/"):
		return s.deliverFile(usr, text)
	case strings.HasPrefix(text, "~"):
		return s.deliverTokenHome(usr, text)
	case strings.HasPrefix(text, "|"):
		if s.job.a.p.cmdMask&s.msg.expType == 0 {
			return s.bounce("5.7.1", "mail to command is restricted")
		}
		return s.deliverCommand(usr, text[1:])
	case len(text) >= len(":include:") && strings.EqualFold(text[:len(":include:")], ":include:"):
		return s.deliverInclude(usr, text[len(":include:"):])
	}
	return s.deliverResolveTree(usr, addr.Externalize(node.Head))
}

// deliverTokenHome expands ~/file to a file in the home directory of the
// user whose rights apply; ~user/file is refused.
func (s state) deliverTokenHome(usr userAttr, text string) result {
	a := s.job.a
	switch {
	case len(text) < 2 || text[1] != '/':
		a.warn("bad home directory syntax for: %s", text)
		return s.bounce("5.3.5", "mail system configuration error")
	case !usr.home.ok:
		a.warn("unknown home directory for: %s", text)
		return s.bounce("5.3.5", "mail system configuration error")
	case usr.home.s == "/":
		return s.deliverFile(usr, text[1:])
	}
	return s.deliverFile(usr, usr.home.s+text[1:])
}
