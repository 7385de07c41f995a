package smtpd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for hostile input with a property to check, beyond "does
// not crash" (FuzzSession): SMTP smuggling through DATA and BDAT content,
// and the DSN parameters of MAIL and RCPT (RFC 3461). Seeds in
// testdata/fuzz/FuzzSmuggling and testdata/fuzz/FuzzDSNParams.

// fuzzServer is a server with a fresh fake queue, for one input.
func fuzzServer(t *testing.T, settings map[string]string) (*Server, *fakeQueue) {
	q := &fakeQueue{}
	base := map[string]string{"smtpd_forbid_bare_newline_exclusions": "", "smtpd_hard_error_limit": "1000"}
	for k, v := range settings {
		base[k] = v
	}
	srv, err := New(testConfig(base), Deps{Queue: q, Log: discardLog{}, Names: noNames{},
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil }, Sleep: func(time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, q
}

var bareNewlineModes = []string{"normalize", "yes", "reject"}

// FuzzSmuggling sends one message whose content is arbitrary but holds
// no CRLF.CRLF (so the only standard end of data is the one the client
// sends after it), followed by a second transaction's commands inside
// the same content. With smtpd_forbid_bare_newline on (every mode but
// "no"), at most one message may be queued, from the first envelope: a
// second one would be SMTP smuggling. With BDAT the chunk is exactly
// the content; nothing in it is a command.
func FuzzSmuggling(f *testing.F) {
	for _, s := range []string{
		"Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@example.net>\nRCPT TO:<victim@example.com>\nDATA\nsmuggled\n.\n",
		"Subject: x\r\n\r\nbody\r.\rMAIL FROM:<evil@example.net>\r",
		"Subject: x\r\n\r\nbody\n.\r\nMAIL FROM:<evil@example.net>\r\n",
		"Subject: x\r\n\r\nbody\r\n.\nMAIL FROM:<evil@example.net>\r\n",
		"Subject: x\r\n\r\nbody\r\r\n.\r\r\nRCPT TO:<victim@example.com>\r\r\n",
		"\r\n..\r\n.\x00\r\nx\r\n.\r",
	} {
		f.Add([]byte(s), uint8(0), false)
		f.Add([]byte(s), uint8(2), true)
	}
	f.Fuzz(func(t *testing.T, content []byte, mode uint8, bdat bool) {
		m := bareNewlineModes[int(mode)%len(bareNewlineModes)]
		srv, q := fuzzServer(t, map[string]string{"smtpd_forbid_bare_newline": m})
		var in bytes.Buffer
		in.WriteString("EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@example.com>\r\n")
		if bdat {
			fmt.Fprintf(&in, "BDAT %d LAST\r\n", len(content))
			in.Write(content)
		} else {
			in.WriteString("DATA\r\n")
			in.Write(content)
			in.WriteString("\r\n.\r\n")
			if i := bytes.Index(in.Bytes()[len(in.Bytes())-len(content)-7:], []byte("\r\n.\r\n")); i != len(content)+2 {
				return // the content itself ends the data: not smuggling
			}
		}
		in.WriteString("QUIT\r\n")
		srv.Serve(&memConn{r: bytes.NewReader(in.Bytes())})
		msgs := q.committed()
		if len(msgs) > 1 {
			t.Fatalf("mode %s bdat %v: %d messages from one transaction: %q", m, bdat, len(msgs), content)
		}
		for _, msg := range msgs {
			if msg.sender != "a@b.example" || len(msg.rcpts) != 1 || !strings.HasPrefix(msg.rcpts[0], "u@example.com|") {
				t.Fatalf("mode %s: queued envelope %q -> %q", m, msg.sender, msg.rcpts)
			}
		}
	})
}

// FuzzDSNParams sends MAIL and RCPT with arbitrary parameters and then
// a message. What the queue gets must be what RFC 3461 and Postfix
// allow: RET FULL or HDRS, an ENVID of printable ASCII, NOTIFY NEVER
// alone or SUCCESS/FAILURE/DELAY bits, an ORCPT "type;address" without
// NUL (smtpd.c: "Bad ORCPT parameter syntax").
func FuzzDSNParams(f *testing.F) {
	for _, s := range [][2]string{
		{"RET=FULL ENVID=QQ+2B1", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u+40example.com"},
		{"RET=HDRS ENVID=a+0D+0Ab", "NOTIFY=NEVER ORCPT=utf-8;\\x{10FFFF}\\x{41}"},
		{"RET=full RET=hdrs", "NOTIFY=never,delay ORCPT=rfc822;a ORCPT=rfc822;b"},
		{"ENVID=+00 SIZE=10 BODY=8BITMIME SMTPUTF8 AUTH=<>", "ORCPT=rfc822;+00x NOTIFY=SUCCESS,SUCCESS"},
		{"ENVID= RET=", "ORCPT=;x ORCPT=utf-8;\\x{D800} ORCPT=rfc822;+4"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, mailParams, rcptParams string) {
		if strings.ContainsAny(mailParams+rcptParams, "\r\n") {
			return
		}
		srv, q := fuzzServer(t, nil)
		in := "EHLO client.example\r\nMAIL FROM:<a@b.example> " + mailParams + "\r\nRCPT TO:<u@example.com> " +
			rcptParams + "\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"
		srv.Serve(&memConn{r: bytes.NewReader([]byte(in))})
		for _, msg := range q.committed() {
			checkDSNMsg(t, msg)
		}
	})
}

func checkDSNMsg(t *testing.T, msg *fakeMsg) {
	if msg.ret&^(RetFull|RetHdrs) != 0 || msg.ret == RetFull|RetHdrs {
		t.Fatalf("RET bits %d", msg.ret)
	}
	for i := 0; i < len(msg.envid); i++ {
		if c := msg.envid[i]; c < 0x21 || c > 0x7e {
			t.Fatalf("ENVID %q queued", msg.envid)
		}
	}
	for _, r := range msg.rcpts {
		f := strings.SplitN(r, "|", 3)
		var notify int
		fmt.Sscan(f[2], &notify)
		if notify&NotifyNever != 0 && notify != NotifyNever || notify&^(NotifyNever|NotifySuccess|NotifyFailure|NotifyDelay) != 0 {
			t.Fatalf("NOTIFY bits %d queued", notify)
		}
		if orcpt := f[1]; orcpt != "" {
			typ, _, ok := strings.Cut(orcpt, ";")
			if !ok || typ == "" || strings.IndexByte(orcpt, 0) >= 0 {
				t.Fatalf("ORCPT %q queued", orcpt)
			}
		}
	}
}
