package server

import (
	"encoding/binary"
	"fmt"
)

// The master-child descriptor convention (Postfix's master_proto.h, kept
// so that the numbers mean the same thing to anyone who knows Postfix).
// Descriptors 0, 1 and 2 are the master's own (normally /dev/null).
const (
	FlowReadFD  = 3 // flow-control pipe, read end (in_flow_delay tokens)
	FlowWriteFD = 4 // flow-control pipe, write end
	StatusFD    = 5 // status socket, shared by all children of a service
	ListenFD    = 6 // first listening endpoint; -s N says how many
)

// GenerationEnv names the environment variable in which the master gives
// each child its generation number, in octal (MASTER_GEN_NAME).
const GenerationEnv = "GENERATION"

// Status values of a status message (MASTER_STAT_TAKEN, MASTER_STAT_AVAIL).
const (
	StatTaken = 0 // the child accepts no further client now
	StatAvail = 1 // the child is ready to accept a client
)

// StatusSize is the size of one status message.
const StatusSize = 20

// statusSizeV1 is the size of a message without the limit field, as
// the first Postern releases sent it; it is still accepted.
const statusSizeV1 = 16

// SessionBudgetEnv names the environment variable in which the master
// gives each child its session budget: how many clients it may serve at
// once (decimal; 0 = no limit). The budget is what is left of the
// service's process limit (maxproc) when the child starts, so that the
// sessions of all children together never exceed maxproc.
const SessionBudgetEnv = "SESSION_BUDGET"

// Status is one message from a child to the master on StatusFD. The
// status socket is a SOCK_SEQPACKET socket pair, so each message arrives
// whole and alone. Fields are 32-bit integers in host byte order:
//
//	pid      the child's process id
//	gen      the generation the master gave the child ($GENERATION)
//	avail    StatAvail when the child can take another client now,
//	         StatTaken when it cannot
//	sessions the number of clients the child is serving now
//	limit    the most clients the child will serve at once: 1 for a
//	         single server, up to its session budget for one that
//	         serves several sessions (Options.Sessions); a multi server
//	         (anvil, trivial-rewrite) counts as 1, as in Postfix
//
// The first three fields are Postfix's MASTER_STATUS. The master starts
// another child when none is avail and the limits of the service's
// children add up to less than maxproc (see docs/architecture.md,
// "Status protocol"). A 16-byte message (no limit) leaves the master's
// idea of the limit unchanged.
type Status struct {
	PID      int32
	Gen      uint32
	Avail    int32
	Sessions int32
	Limit    int32
}

// Marshal encodes the message in host byte order.
func (s Status) Marshal() []byte {
	b := make([]byte, StatusSize)
	binary.NativeEndian.PutUint32(b[0:], uint32(s.PID))
	binary.NativeEndian.PutUint32(b[4:], s.Gen)
	binary.NativeEndian.PutUint32(b[8:], uint32(s.Avail))
	binary.NativeEndian.PutUint32(b[12:], uint32(s.Sessions))
	binary.NativeEndian.PutUint32(b[16:], uint32(s.Limit))
	return b
}

// ParseStatus decodes one message; a message of another size than
// StatusSize or the 16 bytes of a message without limit is an error.
func ParseStatus(b []byte) (Status, error) {
	if len(b) != StatusSize && len(b) != statusSizeV1 {
		return Status{}, fmt.Errorf("partial status update (%d bytes)", len(b))
	}
	st := Status{
		PID:      int32(binary.NativeEndian.Uint32(b[0:])),
		Gen:      binary.NativeEndian.Uint32(b[4:]),
		Avail:    int32(binary.NativeEndian.Uint32(b[8:])),
		Sessions: int32(binary.NativeEndian.Uint32(b[12:])),
	}
	if len(b) == StatusSize {
		st.Limit = int32(binary.NativeEndian.Uint32(b[16:]))
	}
	return st, nil
}
