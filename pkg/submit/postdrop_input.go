package submit

import (
	"errors"
	"io"
	"strings"

	"github.com/postern/postern/pkg/queue"
)

// Segments of the postdrop input and the record types each allows; the
// last type of each list ends the segment (REC_TYPE_POST_ENVELOPE,
// REC_TYPE_POST_CONTENT, REC_TYPE_POST_EXTRACT).
var segments = []string{
	string([]byte{RecAttr, RecFullName, RecSender, RecRcpt, RecContent}),
	string([]byte{RecData, RecExtract}),
	string([]byte{RecRcpt, RecEnd}),
}

// copyState is what postdrop learns while it copies the input.
type copyState struct {
	seg     int
	senders int
	rcpts   int
	status  int
	why     string
	tooBig  bool
	limit   int64 // message_size_limit; 0 = none
}

// copyInput copies the input records into the maildrop file. It returns
// the status (StatOK when the file may be committed) and its reason, or
// a fatal error for input that breaks the protocol. Input that ends
// early cancels the submission: the file is removed and postdrop exits 0.
func (p *postdrop) copyInput() (int, string, error) {
	sr := NewStreamReader(p.in)
	st := &copyState{}
	if l, err := p.cfg.Long("message_size_limit"); err == nil {
		st.limit = l
	}
	for {
		typ, payload, err := sr.Next()
		if errors.Is(err, io.EOF) {
			p.abort()
			return 0, "", ExitStatus(0)
		}
		if err != nil {
			return 0, "", Fatalf(1, "uid=%d: malformed input", p.uid)
		}
		if strings.IndexByte(segments[st.seg], typ) < 0 {
			return 0, "", Fatalf(1, "uid=%d: unexpected record type: %d", p.uid, typ)
		}
		if typ == segments[st.seg][len(segments[st.seg])-1] {
			st.seg++
		}
		if err := p.record(st, typ, payload); err != nil {
			return 0, "", err
		}
		if typ == RecEnd {
			break
		}
	}
	return p.verdict(st)
}

// verdict decides once the whole input is read.
func (p *postdrop) verdict(st *copyState) (int, string, error) {
	if st.tooBig {
		// The file size limit Postfix's postdrop runs under (EFBIG).
		p.r.Warn("uid=%d: File too large", p.uid)
		return StatSize, "", nil
	}
	if st.status == StatOK && (st.senders == 0 || st.rcpts == 0) {
		st.status |= StatBad
	}
	if st.status == StatOK && p.w.Err() != nil {
		p.r.Warn("uid=%d: %s", p.uid, Strerror(p.w.Err()))
		st.status = StatWrite
	}
	return st.status, st.why, nil
}

// record applies one record. After a failure the rest of the input is
// read but no longer written, so that the caller can still be answered.
func (p *postdrop) record(st *copyState, typ byte, payload []byte) error {
	if st.status != StatOK || st.tooBig {
		return nil
	}
	w := p.w
	switch typ {
	case RecAttr:
		p.attribute(string(payload))
	case RecFullName:
		if len(payload) > 0 {
			w.AddAttr(queue.AttrFullName, string(payload))
		}
	case RecSender:
		return p.sender(st, string(payload))
	case RecRcpt:
		return p.recipient(st, payload)
	case RecContent, RecExtract:
		if typ == RecExtract {
			w.EndContent()
		}
	case RecData:
		w.Write(payload)
	}
	if st.limit > 0 && w.Size() > st.limit {
		st.tooBig = true
	}
	return nil
}

func (p *postdrop) sender(st *copyState, addr string) error {
	if st.senders > 0 {
		return Fatalf(1, "uid=%d: unexpected record type: %d", p.uid, RecSender)
	}
	st.senders++
	if status, why := checkLoginSender(p.cfg, p.uid, addr); status != StatOK {
		st.status, st.why = status, why
		return nil
	}
	p.w.SetSender(addr)
	return nil
}

func (p *postdrop) recipient(st *copyState, payload []byte) error {
	addr, orcpt, notify, err := ParseRcpt(payload)
	if err != nil || !validNotify(notify) {
		return Fatalf(1, "uid=%d: malformed input", p.uid)
	}
	st.rcpts++
	p.w.AddRecipient(queue.Recipient{Address: addr, ORCPT: orcpt, Notify: notify})
	return nil
}

// validNotify accepts no NOTIFY, NEVER alone, or SUCCESS/FAILURE/DELAY.
func validNotify(n int) bool {
	if n == queue.NotifyNever || n == 0 {
		return true
	}
	return n&^(queue.NotifySuccess|queue.NotifyFailure|queue.NotifyDelay) == 0
}

// attribute keeps the attributes a user may set and warns about the
// rest, as Postfix's postdrop does.
func (p *postdrop) attribute(rec string) {
	name, value, ok := strings.Cut(rec, "=")
	if !ok || name == "" {
		why := "missing '=' after attribute name"
		if name == "" {
			why = "missing attribute name"
		}
		p.r.Warn("uid=%d: ignoring malformed record: %s: %.200s", p.uid, why, rec)
		return
	}
	if !userAttrOK(name, value) {
		p.r.Warn("uid=%d: ignoring attribute record: %.200s=%.200s", p.uid, name, value)
		return
	}
	p.w.AddAttr(name, value)
}

// userAttrOK lists the attributes a submission may carry.
func userAttrOK(name, value string) bool {
	switch name {
	case queue.AttrEncoding:
		return value == "7bit" || value == "8bit"
	case queue.AttrDSNEnvID:
		return value != "" && len(value) <= 100 && Printable(value)
	case queue.AttrDSNRet:
		return value == "FULL" || value == "HDRS"
	case queue.AttrRewrite:
		return value == "local" || value == "remote"
	case queue.AttrTraceFlags:
		return value != "" && strings.Trim(value, "0123456789") == "" && len(value) < 8
	}
	return false
}

// printable is allprint(): non-empty printable ASCII.
func Printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}
