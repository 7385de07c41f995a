package mailbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// The helper is the child process that does one mailbox operation with
// a recipient's privileges: the local(8) or virtual(8) binary itself,
// started again (os.Executable) with HelperArg as its first argument
// and the recipient's user and group (Privs.Start). Per operation it
// reads one JSON Request line from its standard input, followed by
// exactly Request.Size bytes of message content, does the operation, and
// writes one JSON Response line to its standard output; it serves
// operations until its input ends (the Runner keeps it for the next
// operation with the same credentials). It never logs; its warnings
// travel back in the Response.

// HelperArg is argv[1] of a helper process.
const HelperArg = "-postern-mailbox-helper"

// Helper operations.
const (
	OpMbox    = "mbox"    // append to a mailbox or other file (OpenMbox + AppendMessage)
	OpMaildir = "maildir" // deliver into a maildir (Maildir.Deliver)
	OpStat    = "stat"    // stat(2) or lstat(2) a path
	OpRead    = "read"    // read a file (.forward, :include:)
)

// Request is one helper operation.
type Request struct {
	Op   string
	Path string

	// OpMbox and OpMaildir.
	Lock       LockMask
	LockParams LockParams
	ChownUID   int    // owner for a new file, -1 for none
	ChownGID   int    // group for a new file, -1 for none
	Regular    bool   // refuse a destination that is not a regular file
	OwnerUID   int    // refuse a file not owned by this user; -1: any owner
	NoExec     bool   // refuse an executable regular file
	DefDSN     string // status for failures without a more specific one
	Prefix     string // lines written before the message (Prefix)
	Flags      int    // Copy* flags
	Size       int64  // message bytes that follow the request

	// OpStat: use lstat(2).
	Lstat bool
	// OpRead: read at most this many bytes.
	MaxRead int64
}

// Response is a helper's answer.
type Response struct {
	Error    *Error   // the operation failed
	Reject   string   // OpMbox refused the file: "not regular", "not owner", "executable"
	Warnings []string // to be logged by the agent
	Path     string   // OpMaildir: the file created in new/
	Offset   int64    // OpMbox: mailbox size before the message (for biff)

	// OpStat.
	Errno syscall.Errno // stat failure, 0 on success
	Mode  uint32
	UID   int
	GID   int

	// OpRead.
	Data []byte
}

// IsHelper reports whether this process was started as a helper.
func IsHelper() bool { return len(os.Args) > 1 && os.Args[1] == HelperArg }

// HelperMain runs the helper and exits: it serves operations until its
// standard input ends (see helperProc for the protocol).
func HelperMain() {
	br := bufio.NewReader(os.Stdin)
	enc := json.NewEncoder(os.Stdout)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			os.Exit(0)
		}
		var req Request
		if err == nil {
			err = json.Unmarshal(line, &req)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bad helper request: %v\n", err)
			os.Exit(1)
		}
		content := &exactReader{r: br, n: req.Size}
		resp := runHelper(&req, content)
		if _, err := io.Copy(io.Discard, content); err != nil {
			os.Exit(1) // the agent stopped sending: it has given up
		}
		if err := enc.Encode(resp); err != nil {
			os.Exit(1)
		}
	}
}

func runHelper(req *Request, content io.Reader) *Response {
	resp := &Response{}
	warn := func(s string) { resp.Warnings = append(resp.Warnings, s) }
	switch req.Op {
	case OpMbox:
		helperMbox(req, content, resp, warn)
	case OpMaildir:
		host, _ := os.Hostname()
		md := &Maildir{Dir: req.Path, Hostname: host, Pid: os.Getpid(), Now: time.Now(), DefDSN: req.DefDSN}
		resp.Path, resp.Error = md.Deliver(req.Prefix, content, req.Flags)
	case OpStat:
		helperStat(req, resp)
	case OpRead:
		helperRead(req, resp)
	default:
		resp.Error = &Error{Status: "4.3.0", Text: "unknown helper operation " + req.Op}
	}
	return resp
}

// helperMbox opens, checks and appends to a mailbox or file.
func helperMbox(req *Request, content io.Reader, resp *Response, warn func(string)) {
	mb, e := OpenMbox(req.Path, req.ChownUID, req.ChownGID, req.Lock, req.LockParams, req.DefDSN, warn)
	if e != nil {
		resp.Error = e
		return
	}
	defer mb.Release()
	regular := mb.Stat.Mode&syscall.S_IFMT == syscall.S_IFREG
	switch {
	case req.Regular && !regular:
		resp.Reject = "not regular"
	case req.OwnerUID >= 0 && int(mb.Stat.Uid) != req.OwnerUID:
		resp.Reject = "not owner"
	case req.NoExec && regular && mb.Stat.Mode&0o111 != 0:
		resp.Reject = "executable"
	}
	if resp.Reject != "" {
		return
	}
	flags := req.Flags
	if !regular {
		flags &^= CopyToFile
	}
	resp.Offset = mb.Stat.Size
	f := mb.File
	mb.File = nil // AppendMessage closes it, before the dotlock goes
	resp.Error = AppendMessage(f, req.Prefix, content, flags)
}

func helperStat(req *Request, resp *Response) {
	var st syscall.Stat_t
	var err error
	if req.Lstat {
		err = syscall.Lstat(req.Path, &st)
	} else {
		err = syscall.Stat(req.Path, &st)
	}
	if err != nil {
		if !errors.As(err, &resp.Errno) {
			resp.Errno = syscall.EIO
		}
		return
	}
	resp.Mode, resp.UID, resp.GID = st.Mode, int(st.Uid), int(st.Gid)
}

func helperRead(req *Request, resp *Response) {
	f, err := os.Open(req.Path)
	if err == nil {
		resp.Data, err = io.ReadAll(io.LimitReader(f, req.MaxRead))
		f.Close()
	}
	if err != nil && !errors.As(err, &resp.Errno) {
		resp.Errno = syscall.EIO
	}
}

// exactReader reads exactly n bytes; an early end is an error.
type exactReader struct {
	r io.Reader
	n int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.n {
		p = p[:e.n]
	}
	n, err := e.r.Read(p)
	e.n -= int64(n)
	if err == io.EOF && e.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
