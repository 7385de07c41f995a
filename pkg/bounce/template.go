package bounce

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Template is one notification template (bounce(5)): the headers of the
// notice and the text of its first MIME part.
type Template struct {
	Class             string // failure, delay, success, verify
	Origin            string // "[built-in]" or the template file
	Charset           string
	Encoding          string // 7bit or 8bit (8bit text with a non-ASCII charset)
	ObsFrom           string // header_from_format = obsolete
	StdFrom           string // header_from_format = standard
	Subject           string
	PostmasterSubject string // "" for templates without a postmaster copy
	Text              []string
}

const (
	classFailure = "failure"
	classDelay   = "delay"
	classSuccess = "success"
	classVerify  = "verify"
)

// Built-in templates (bounce/bounce_templates.c).
var (
	defaultFailure = Template{
		Class: classFailure, Origin: "[built-in]", Charset: "us-ascii", Encoding: "7bit",
		ObsFrom: "MAILER-DAEMON (Mail Delivery System)", StdFrom: "Mail Delivery System <MAILER-DAEMON>",
		Subject: "Undelivered Mail Returned to Sender", PostmasterSubject: "Postmaster Copy: Undelivered Mail",
		Text: []string{
			"This is the mail system at host $myhostname.",
			"",
			"I'm sorry to have to inform you that your message could not",
			"be delivered to one or more recipients. It's attached below.",
			"",
			"For further assistance, please send mail to postmaster.",
			"",
			"If you do so, please include this problem report. You can",
			"delete your own text from the attached returned message.",
			"",
			"                   The mail system",
		},
	}
	defaultDelay = Template{
		Class: classDelay, Origin: "[built-in]", Charset: "us-ascii", Encoding: "7bit",
		ObsFrom: "MAILER-DAEMON (Mail Delivery System)", StdFrom: "Mail Delivery System <MAILER-DAEMON>",
		Subject: "Delayed Mail (still being retried)", PostmasterSubject: "Postmaster Warning: Delayed Mail",
		Text: []string{
			"This is the mail system at host $myhostname.",
			"",
			"####################################################################",
			"# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
			"####################################################################",
			"",
			"Your message could not be delivered for more than $delay_warning_time_hours hour(s).",
			"It will be retried until it is $maximal_queue_lifetime_days day(s) old.",
			"",
			"For further assistance, please send mail to postmaster.",
			"",
			"If you do so, please include this problem report. You can",
			"delete your own text from the attached returned message.",
			"",
			"                   The mail system",
		},
	}
	defaultSuccess = Template{
		Class: classSuccess, Origin: "[built-in]", Charset: "us-ascii", Encoding: "7bit",
		ObsFrom: "MAILER-DAEMON (Mail Delivery System)", StdFrom: "Mail Delivery System <MAILER-DAEMON>",
		Subject: "Successful Mail Delivery Report",
		Text: []string{
			"This is the mail system at host $myhostname.",
			"",
			"Your message was successfully delivered to the destination(s)",
			"listed below. If the message was delivered to mailbox you will",
			"receive no further notifications. Otherwise you may still receive",
			"notifications of mail delivery errors from other systems.",
			"",
			"                   The mail system",
		},
	}
	defaultVerify = Template{
		Class: classVerify, Origin: "[built-in]", Charset: "us-ascii", Encoding: "7bit",
		ObsFrom: "MAILER-DAEMON (Mail Delivery System)", StdFrom: "Mail Delivery System <MAILER-DAEMON>",
		Subject: "Mail Delivery Status Report",
		Text: []string{
			"This is the mail system at host $myhostname.",
			"",
			"Enclosed is the mail delivery report that you requested.",
			"",
			"                   The mail system",
		},
	}
)

// Templates is the set in use: the built-in ones, each possibly replaced
// from $bounce_template_file.
type Templates struct {
	Failure, Delay, Success, Verify Template
}

// DefaultTemplates returns the built-in templates.
func DefaultTemplates() *Templates {
	return &Templates{Failure: defaultFailure, Delay: defaultDelay, Success: defaultSuccess, Verify: defaultVerify}
}

// LoadTemplates reads a bounce template file (bounce_templates_load):
// "name_template = <<EOF" ... "EOF" blocks and plain "name = value"
// lines. A syntax error is fatal (an error naming file and line); a bad
// template is ignored with a warning, as in Postfix.
func LoadTemplates(path string, warn func(string)) (*Templates, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	ts := DefaultTemplates()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	lineno := 1
	for sc.Scan() {
		lineno++
		line := sc.Text()
		t := strings.TrimLeft(line, " \t\n\v\f\r")
		if t == "" || t[0] == '#' {
			continue
		}
		name, value, ok := splitNameValue(line)
		if !ok {
			return nil, fmt.Errorf("%s, line %d: missing '=' after attribute name: \"%s\"", path, lineno, line)
		}
		if strings.HasPrefix(value, "<<") {
			if value, err = readHereDoc(sc, path, &lineno, value, warn); err != nil {
				return nil, err
			}
		}
		ts.load(name, path, value, lineno, warn)
	}
	return ts, sc.Err()
}

func splitNameValue(line string) (string, string, bool) {
	name, value, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", false
	}
	name = strings.TrimSpace(name)
	return name, strings.TrimSpace(value), name != ""
}

func readHereDoc(sc *bufio.Scanner, path string, lineno *int, value string, warn func(string)) (string, error) {
	marker := strings.TrimLeftFunc(value[2:], unicode.IsSpace)
	if marker == "" {
		return "", fmt.Errorf("%s, line %d: missing end marker after <<", path, *lineno)
	}
	if r := rune(marker[0]); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return "", fmt.Errorf("%s, line %d: malformed end marker after <<", path, *lineno)
	}
	var lines []string
	for {
		if !sc.Scan() {
			warn(fmt.Sprintf("%s, line %d: missing \"%s\" end marker", path, *lineno, marker))
			break
		}
		*lineno++
		if sc.Text() == marker {
			break
		}
		lines = append(lines, sc.Text())
	}
	return strings.Join(lines, "\n"), nil
}

func (ts *Templates) load(name, origin, value string, lineno int, warn func(string)) {
	var dst *Template
	switch name {
	case "failure_template":
		dst = &ts.Failure
	case "delay_template":
		dst = &ts.Delay
	case "success_template":
		dst = &ts.Success
	case "verify_template":
		dst = &ts.Verify
	default:
		warn(fmt.Sprintf("%s, line %d: unknown template name: %s -- ignoring this template", origin, lineno, name))
		return
	}
	if t, ok := parseTemplate(*dst, origin, value, warn); ok {
		*dst = t
	}
}

// parseTemplate applies a template text over a default
// (bounce_template_parse_buffer); ok is false when it must be ignored.
func parseTemplate(def Template, origin, text string, warn func(string)) (Template, bool) {
	t := def
	t.Origin = origin
	lines := strings.Split(text, "\n")
	i := 0
	for ; i < len(lines); i++ {
		label, value, ok := templateHeader(lines[i])
		if !ok {
			break
		}
		bad := func(what string) (Template, bool) {
			warn(fmt.Sprintf("%s: %s \"%s\" header %s in %s template -- ignoring this template", origin, what, label, "value", def.Class))
			return def, false
		}
		if value == "" {
			return bad("empty")
		}
		if !isASCII(value) {
			return bad("non-ASCII")
		}
		switch strings.ToLower(label) {
		case "charset":
			t.Charset = value
		case "from":
			t.StdFrom, t.ObsFrom = value, value
		case "subject":
			t.Subject = value
		case "postmaster-subject":
			if def.PostmasterSubject == "" {
				warn(fmt.Sprintf("%s: inapplicable \"%s\" header label in %s template -- ignoring this template", origin, label, def.Class))
				return def, false
			}
			t.PostmasterSubject = value
		default:
			warn(fmt.Sprintf("%s: unknown \"%s\" header label in %s template -- ignoring this template", origin, label, def.Class))
			return def, false
		}
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		warn(fmt.Sprintf("%s: missing message text in %s template -- ignoring this template", origin, def.Class))
		return def, false
	}
	t.Text = lines[i:]
	if !isASCII(strings.Join(t.Text, "")) {
		if strings.EqualFold(t.Charset, "us-ascii") {
			warn(fmt.Sprintf("%s: 8-bit message text in %s template", origin, def.Class))
			warn("please specify a charset value other than us-ascii")
			warn("-- ignoring this template for now")
			return def, false
		}
		t.Encoding = "8bit"
	}
	return t, true
}

// templateHeader recognizes "Label: value" (is_header()).
func templateHeader(line string) (label, value string, ok bool) {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ':' {
		return "", "", false
	}
	return line[:i], strings.TrimSpace(line[i+1:]), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// timeParams are the parameters a template may show in other units:
// $delay_warning_time_hours, $maximal_queue_lifetime_days, ...
var timeDivisors = map[string]int64{
	"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400,
}

// expand expands $name in the template text (bounce_template_expand).
// lookup gives main.cf values; times gives the special time parameters.
func (t *Template) expand(lookup func(string) (string, bool), times map[string]time.Duration, warn func(string)) ([]string, error) {
	var out []string
	for _, line := range t.Text {
		s, err := expandLine(line, func(name string) (string, bool, error) {
			for p, d := range times {
				if rest, ok := strings.CutPrefix(name, p+"_"); ok {
					div, known := timeDivisors[rest]
					if !known {
						return "", false, fmt.Errorf("%s: unrecognized suffix \"%s\" in parameter \"%s\"", t.Origin, rest, name)
					}
					v := int64(d/time.Second) / div
					t.timeWarnings(name, rest, v, d, div, warn)
					return strconv.FormatInt(v, 10), true, nil
				}
			}
			v, ok := lookup(name)
			return v, ok, nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (t *Template) timeWarnings(name, unit string, v int64, d time.Duration, div int64, warn func(string)) {
	switch {
	case v > 999 && div < 86400:
		warn(fmt.Sprintf("%s: excessive result \"%d\" in %s template conversion of parameter \"%s\"", t.Origin, v, t.Class, name))
		warn(fmt.Sprintf("please increase time unit \"%s\" of \"%s\" in %s template", unit, name, t.Class))
		warn("for instructions see the bounce(5) manual")
	case v == 0 && d > 0 && div > 1:
		warn(fmt.Sprintf("%s: zero result in %s template conversion of parameter \"%s\"", t.Origin, t.Class, name))
		warn(fmt.Sprintf("please reduce time unit \"%s\" of \"%s\" in %s template", unit, name, t.Class))
		warn("for instructions see the bounce(5) manual")
	}
}

// expandLine expands $name, ${name} and $(name) references; "$$" is a
// literal dollar. An undefined name is an error, as in bounce(8).
func expandLine(s string, lookup func(string) (string, bool, error)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		name, n := macroName(s[i+1:])
		if name == "" {
			return "", fmt.Errorf("bad $name syntax in template: %s", s)
		}
		v, ok, err := lookup(name)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("undefined $name in template: %s", s)
		}
		b.WriteString(v)
		i += n
	}
	return b.String(), nil
}

// macroName returns the name after '$' and the bytes it used.
func macroName(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	if s[0] == '{' || s[0] == '(' {
		end := byte('}')
		if s[0] == '(' {
			end = ')'
		}
		if j := strings.IndexByte(s, end); j > 1 {
			return s[1:j], j + 1
		}
		return "", 0
	}
	j := 0
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	return s[:j], j
}
