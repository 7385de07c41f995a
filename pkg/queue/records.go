package queue

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// record applies one envelope or trailer record.
func (p *parser) record(typ byte, payload []byte, pos int64, envelope bool) error {
	switch typ {
	case RecAttr:
		name, value, ok := bytes.Cut(payload, []byte("="))
		if !ok || len(name) == 0 {
			return errors.New("bad attribute record")
		}
		p.env.Attrs[string(name)] = string(value)
		if p.env.attrOffs == nil {
			p.env.attrOffs = map[string]int64{}
		}
		p.env.attrOffs[string(name)] = pos
	case RecKilled:
	case RecSize:
		return p.sizeRecord(payload, envelope)
	case RecSender:
		if !envelope || p.sender {
			return errors.New("unexpected sender record")
		}
		p.sender = true
		p.env.Sender = string(payload)
	case RecRcpt, RecDone:
		r, err := parseRcpt(payload)
		if err != nil {
			return err
		}
		if len(p.env.Recipients) >= maxRcptList {
			return errors.New("too many recipients")
		}
		r.Done = typ == RecDone
		r.Offset = pos
		p.env.Recipients = append(p.env.Recipients, r)
	default:
		return fmt.Errorf("unknown record type %q", typ)
	}
	return nil
}

// parseRcpt decodes a recipient payload (see rcptPayload).
func parseRcpt(b []byte) (Recipient, error) {
	var r Recipient
	bad := errors.New("bad recipient record")
	if len(b) < 1 {
		return r, bad
	}
	r.Notify = int(b[0])
	if r.Notify&^(NotifyNever|NotifySuccess|NotifyFailure|NotifyDelay) != 0 {
		return r, bad
	}
	b = b[1:]
	addr, b, ok := lenString(b)
	if !ok {
		return r, bad
	}
	orig, b, ok := lenString(b)
	if !ok {
		return r, bad
	}
	r.Address, r.Orig, r.ORCPT = addr, orig, string(b)
	return r, nil
}

// lenString splits a varint-length-prefixed string off b.
func lenString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}
