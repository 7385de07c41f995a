// Package showq lists the mail queue, as Postfix's showq(8) service and
// the listing half of postqueue(1) and mailq(1).
//
// Scan walks the queues in Postfix's order (maildrop, active, incoming,
// deferred, hold), reads each complete queue file and reports its queue,
// ID, arrival time, message size (Postfix's: queue.Envelope.MessageSize),
// forced-expiry mark (file mode g+x, postsuper -e/-f), sender (the null
// sender as $empty_address_recipient) and the recipients still to be
// delivered. Recipients found in the message's defer log come first,
// each with its delay reason; then the queue file's pending recipients
// not already listed (at most $duplicate_filter_limit remembered,
// showq_report). Addresses are quoted as RFC 5322 local parts where
// needed and non-printable characters become '?'.
//
// The showq service (cmd/showq, public/showq) sends the listing over the
// attribute protocol (pkg/attr, null encoding):
//
//	showq → client   protocol=showq_protocol
//	per message      queue_name, queue_id, time, size, forced_expire, sender
//	per recipient    recipient, reason
//	end of message   an empty list
//	end of listing   an empty list
//
// Compat and JSON format a listing exactly as postqueue -p and -j do
// (showq_compat.c, showq_json.c).
//
// Parameters read (by the callers): queue_directory, hash_queue_names,
// hash_queue_depth, empty_address_recipient, duplicate_filter_limit,
// enable_long_queue_ids.
package showq

import (
	"errors"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/queue"
)

// Message is one queue file as listed.
type Message struct {
	Queue        string
	ID           string
	Arrival      int64 // Unix seconds
	Size         int64 // the message size as Postfix counts it (queue.MessageSize)
	ForcedExpire bool
	Sender       string // quoted, printable; "MAILER-DAEMON" for <>
	Recipients   []Recipient
}

// Recipient is one recipient still to be delivered.
type Recipient struct {
	Address string
	Reason  string // delay reason from the defer log, "" when none
}

// Queues is the listing order (showq_service).
var Queues = []string{queue.Maildrop, queue.Active, queue.Incoming, queue.Deferred, queue.Hold}

// Options are the listing's settings.
type Options struct {
	EmptyAddr string // empty_address_recipient
	DupLimit  int    // duplicate_filter_limit; 0 = no limit
	Warn      func(format string, args ...any)
}

// Scan calls fn for every listable message. An error from fn stops the
// scan and is returned.
func Scan(l *queue.Layout, opts Options, fn func(*Message) error) error {
	if opts.Warn == nil {
		opts.Warn = func(string, ...any) {}
	}
	for _, q := range Queues {
		err := l.Scan(q, func(e queue.Entry) error {
			m, ok := read(l, e, opts)
			if !ok {
				return nil
			}
			return fn(m)
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// read builds the listing of one file; ok is false when it vanished or
// cannot be parsed (showq skips those, with a warning for bad files).
func read(l *queue.Layout, e queue.Entry, opts Options) (*Message, bool) {
	f, err := queue.Open(e.Path, false)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			opts.Warn("%s: %v", e.ID, err)
		}
		return nil, false
	}
	env := f.Envelope
	st, serr := os.Stat(e.Path)
	f.Close()
	m := &Message{Queue: e.Queue, ID: e.ID, Arrival: env.Arrival.Unix(), Size: env.MessageSize,
		ForcedExpire: e.Mode.Perm()&queue.ModeExpire != 0, Sender: display(env.Sender, opts.EmptyAddr)}
	if env.Arrival.IsZero() && serr == nil {
		m.Arrival = st.ModTime().Unix()
	}
	recs, err := l.ReadLog(queue.Defer, e.ID)
	if err != nil {
		opts.Warn("close %s %s: %v", queue.Defer, e.ID, err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		addr := display(r.Recipient, opts.EmptyAddr)
		if opts.DupLimit == 0 || len(seen) < opts.DupLimit {
			seen[addr] = true
		}
		m.Recipients = append(m.Recipients, Recipient{Address: addr, Reason: r.Reason})
	}
	for _, r := range env.Recipients {
		if r.Done {
			continue
		}
		addr := display(r.Address, opts.EmptyAddr)
		if !seen[addr] {
			m.Recipients = append(m.Recipients, Recipient{Address: addr})
		}
	}
	return m, true
}

// display is how showq shows an envelope address: the null address as
// $empty_address_recipient, quoted, printable.
func display(a, empty string) string {
	if a == "" {
		a = empty
	}
	return printable(addr.QuoteLocal(a))
}

// printable replaces control characters and invalid UTF-8 with '?'
// (util/printable.c with UTF-8 enabled).
func printable(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += max(n, 1)
	}
	return b.String()
}
