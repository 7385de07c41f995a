package pipe

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/mailbox"
)

// Option bits beyond mail_copy()'s (pipe.c PIPE_OPT_*).
const (
	optFoldUser   = 1 << 16 // u
	optFoldHost   = 1 << 17 // h
	optQuoteLocal = 1 << 18 // q
	optFinal      = 1 << 19 // X
)

// Attrs are the command attributes of a pipe service (PIPE_ATTR).
type Attrs struct {
	Argv       []string // command, macros unexpanded
	UID, GID   int
	Flags      int    // mailbox.Copy* and opt* bits
	Dir        string // directory=; "" keeps the agent's
	Chroot     string // chroot=
	EOL        string // eol=
	NullSender string // null_sender=
	SizeLimit  int64  // size=; 0 = none
}

// Ident is a user or group identity the attributes must not name.
type Ident struct {
	OwnerName  string // $mail_owner
	OwnerUID   int
	OwnerGID   int
	SgidName   string // $setgid_group
	SgidGID    int
	LookupUser func(name string) (uid, gid int, err error) // nil: the system's
	LookupGrp  func(name string) (gid int, err error)
}

// copyFlags maps flag letters to mail_copy() bits.
var copyFlags = map[byte]int{
	'B': mailbox.CopyBlank, 'D': mailbox.CopyDelivered, 'F': mailbox.CopyFrom,
	'O': mailbox.CopyOrigRcpt, 'R': mailbox.CopyReturnPath, 'X': optFinal,
	'.': mailbox.CopyDot, '>': mailbox.CopyQuote, 'h': optFoldHost, 'q': optQuoteLocal,
	'u': optFoldUser,
}

// ParseAttrs reads the master.cf arguments (get_service_attr). The
// errors are Postfix's fatal messages.
func ParseAttrs(args []string, id Ident) (*Attrs, error) {
	a := &Attrs{EOL: "\n", NullSender: "MAILER-DAEMON", UID: -1, GID: -1}
	userSeen := false
	for i, arg := range args {
		name, value, _ := strings.Cut(arg, "=")
		switch strings.ToLower(name) {
		case "flags":
			for j := 0; j < len(value); j++ {
				bit, ok := copyFlags[value[j]]
				if !ok {
					return nil, fmt.Errorf("unknown flag: %c (ignored)", value[j])
				}
				a.Flags |= bit
			}
		case "user":
			userSeen = true
			if err := a.setUser(value, id); err != nil {
				return nil, err
			}
		case "directory":
			a.Dir = value
		case "chroot":
			a.Chroot = value
		case "eol":
			a.EOL = unescape(value)
		case "null_sender":
			a.NullSender = value
		case "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || value == "" || value[0] == '+' {
				return nil, fmt.Errorf("get_service_attr: bad size= value: %s", value)
			}
			a.SizeLimit = n
		case "argv":
			a.Argv = append([]string{value}, args[i+1:]...)
			return a, a.check(userSeen, id)
		default:
			return nil, fmt.Errorf("unknown attribute name: %s", arg)
		}
	}
	return a, a.check(userSeen, id)
}

func (a *Attrs) setUser(value string, id Ident) error {
	name, group, _ := strings.Cut(value, ":")
	uid, gid, err := lookupUser(name, id)
	if err != nil {
		return fmt.Errorf("get_service_attr: unknown username: %s", name)
	}
	a.UID, a.GID = uid, gid
	if group != "" {
		if a.GID, err = lookupGroup(group, id); err != nil {
			return fmt.Errorf("get_service_attr: unknown group: %s", group)
		}
	}
	return nil
}

// check applies the sanity checks of get_service_attr.
func (a *Attrs) check(userSeen bool, id Ident) error {
	switch {
	case !userSeen:
		return fmt.Errorf("missing user= command-line attribute")
	case a.Argv == nil:
		return fmt.Errorf("missing argv= command-line attribute")
	case a.UID == 0:
		return fmt.Errorf("user= command-line attribute specifies root privileges")
	case a.UID == id.OwnerUID:
		return fmt.Errorf("user= command-line attribute specifies mail system owner %s", id.OwnerName)
	case a.GID == 0:
		return fmt.Errorf("user= command-line attribute specifies privileged group id 0")
	case a.GID == id.OwnerGID:
		return fmt.Errorf("user= command-line attribute specifies mail system owner %s group id %d", id.OwnerName, a.GID)
	case a.GID == id.SgidGID:
		return fmt.Errorf("user= command-line attribute specifies mail system %s group id %d", id.SgidName, a.GID)
	}
	return nil
}

func lookupUser(name string, id Ident) (int, int, error) {
	if id.LookupUser != nil {
		return id.LookupUser(name)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, err
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad user entry %s", name)
	}
	return uid, gid, nil
}

func lookupGroup(name string, id Ident) (int, error) {
	if id.LookupGrp != nil {
		return id.LookupGrp(name)
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

// unescape interprets C escapes (util/unescape.c): \a \b \f \n \r \t \v,
// \ddd (up to three octal digits); a backslash before any other
// character stands for that character, and a trailing one is dropped.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i++; i >= len(s) {
			break // a trailing backslash is dropped
		}
		switch c = s[i]; c {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for ; n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7'; n++ {
				v = v*8 + int(s[i+n]-'0')
			}
			b.WriteByte(byte(v))
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
