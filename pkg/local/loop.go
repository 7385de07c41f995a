package local

import (
	"bufio"
	"io"
	"strings"
)

// deliveredLimit bounds the Delivered-To: headers remembered
// (DELIVERED_HDR_LIMIT).
const deliveredLimit = 1000

// deliveredTo reads the message header and returns the addresses of its
// Delivered-To: headers, folded to lower case (delivered_hdr_init()).
// Only the first line of a folded header counts; the header ends at the
// first line that is neither a header nor a continuation.
func deliveredTo(content io.Reader) (map[string]bool, error) {
	out := map[string]bool{}
	r := bufio.NewReaderSize(content, 4096)
	for len(out) < deliveredLimit {
		line, err := readLine(r)
		if line == "" && err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		if line == "" {
			break
		}
		if name, value, ok := headerLine(line); ok {
			if strings.EqualFold(name, "Delivered-To") {
				out[strings.ToLower(strings.TrimLeft(value, " \t\r\n\v\f"))] = true
			}
		} else if line[0] != ' ' && line[0] != '\t' {
			break
		}
	}
	return out, nil
}

// readLine returns one line without its newline.
func readLine(r *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		chunk, err := r.ReadSlice('\n')
		sb.Write(chunk)
		if err != bufio.ErrBufferFull {
			return strings.TrimSuffix(sb.String(), "\n"), err
		}
	}
}

// headerLine splits "Name: value" (is_header(): a name of printable
// characters other than ":" and space, followed by optional white space
// and a colon).
func headerLine(line string) (name, value string, ok bool) {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if j >= len(line) || line[j] != ':' {
		return "", "", false
	}
	return line[:i], line[j+1:], true
}

// loopFound reports whether the message already carries a Delivered-To:
// header for addr (delivered_hdr_find(): compared as quote_822_local()
// writes it, folded).
func (j *job) loopFound(addr string) bool {
	return j.loop[strings.ToLower(quoteLocal(addr))]
}
