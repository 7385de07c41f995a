package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// option applies one option of the main loop (sendmail.c main()).
func (o *smOptions) option(r *submit.Reporter, cfg *config.Config, c byte, arg string) error {
	switch c {
	case 'n':
		return submit.Fatalf(submit.ExUsage, "-%c option not supported", c)
	case 'B':
		switch arg {
		case "8BITMIME": // RFC 1652
			o.encoding = "8bit" // MAIL_ATTR_ENC_8BIT
		case "7BIT":
			o.encoding = "7bit"
		default:
			return submit.Fatalf(submit.ExUsage, "-B option needs 8BITMIME or 7BIT")
		}
	case 'F':
		o.fullName, o.fullSet = arg, true
	case 'G':
		o.rewrite = "remote"
	case 'I':
		o.mode = modeNewAlias
	case 'N':
		if o.notify = notifyMask(r, arg); o.notify == 0 {
			r.Warn("bad -N option value -- ignored")
		}
	case 'R':
		if o.ret = retCode(arg); o.ret == "" {
			r.Warn("bad -R option value -- ignored")
		}
	case 'V':
		o.dsnEnvID(r, arg)
	case 'X':
		return o.optionX(cfg, arg)
	case 'b':
		return o.optionB(r, arg)
	case 'f', 'r': // -r is the obsolete -f
		o.sender, o.senderSet = arg, true
	case 'i':
		o.aeof = false
	case 'o':
		return o.optionO(r, arg)
	case 'q':
		return o.optionQ(arg)
	case 't':
		o.extract = true
	case 'v':
		o.verbose++
	case '?':
		return submit.Fatalf(submit.ExUsage, "usage: %s [options]", r.Tag)
	default:
		if o.verbose > 0 {
			r.Info("-%c option ignored", c)
		}
	}
	return nil
}

// dsnEnvID takes -V envid (RFC 3461 ENVID).
func (o *smOptions) dsnEnvID(r *submit.Reporter, arg string) {
	switch {
	case len(arg) > 100:
		r.Warn("too long -V option value -- ignored")
	case !submit.Printable(arg):
		r.Warn("bad syntax in -V option value -- ignored")
	default:
		o.envid = arg
	}
}

func (o *smOptions) optionX(cfg *config.Config, arg string) error {
	if !strings.HasPrefix(arg, "V") {
		return submit.Fatalf(submit.ExUsage, "unsupported: -X%s", firstChar(arg))
	}
	d := arg[1:]
	filter := cfg.Get("verp_delimiter_filter")
	if len(d) != 2 || strings.IndexByte(filter, d[0]) < 0 || strings.IndexByte(filter, d[1]) < 0 {
		return submit.Fatalf(submit.ExUsage, "-V requires two characters from %s", filter)
	}
	o.verp = true
	return nil
}

func (o *smOptions) optionB(r *submit.Reporter, arg string) error {
	switch firstChar(arg) {
	case "d", "l": // daemon mode
		if o.mode == modeFlushQ {
			r.Warn("ignoring -q option in daemon mode")
		}
		o.mode = modeDaemon
	case "h", "H": // host status
		o.mode = modeIgnore
	case "i":
		o.mode = modeNewAlias
	case "m":
		o.mode = modeEnqueue
	case "p":
		o.mode = modeMailq
	case "s":
		o.mode = modeUser
	case "v":
		o.userVerify = true
	default:
		return submit.Fatalf(submit.ExUsage, "unsupported: -b%s", firstChar(arg))
	}
	return nil
}

func (o *smOptions) optionO(r *submit.Reporter, arg string) error {
	switch firstChar(arg) {
	case "A":
		if len(arg) == 1 {
			return submit.Fatalf(submit.ExUsage, "-oA requires pathname")
		}
		o.aliasMap = arg[1:]
	case "7", "8", "m":
	case "i":
		o.aeof = false
	default:
		if o.verbose > 0 {
			r.Info("-o%s option ignored", firstChar(arg))
		}
	}
	return nil
}

func (o *smOptions) optionQ(arg string) error {
	c := firstChar(arg)
	switch {
	case c >= "0" && c <= "9" && c != "":
		o.qtime = arg
	case c == "R":
		if o.site = arg[1:]; o.site == "" {
			return submit.Fatalf(submit.ExUsage, "specify: -qRsitename")
		}
	case c == "I":
		if o.id = arg[1:]; o.id == "" {
			return submit.Fatalf(submit.ExUsage, "specify: -qIqueueid")
		}
	default:
		return submit.Fatalf(submit.ExUsage, "-q%s is not implemented", c)
	}
	return nil
}

// firstChar is the first byte of s as a string ("" for none), the %c
// of Postfix's messages.
func firstChar(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

// notifyMask is dsn_notify_mask(): a comma/space list of NEVER,
// SUCCESS, FAILURE, DELAY (any case); 0 for a bad list, with Postfix's
// warning for an unknown word.
func notifyMask(r *submit.Reporter, s string) int {
	mask := 0
	for _, w := range config.SplitList(s) {
		bit := 0
		switch strings.ToUpper(w) {
		case "NEVER":
			bit = queue.NotifyNever
		case "SUCCESS":
			bit = queue.NotifySuccess
		case "FAILURE":
			bit = queue.NotifyFailure
		case "DELAY":
			bit = queue.NotifyDelay
		default:
			r.Warn("unknown DSN NOTIFY command value \"%s\" in \"%s\"", w, s)
			return 0
		}
		mask |= bit
	}
	if mask == queue.NotifyNever || mask != 0 && mask&queue.NotifyNever == 0 {
		return mask
	}
	return 0
}

// retCode is dsn_ret_code(): FULL or HDRS, any case; "" when bad.
func retCode(s string) string {
	switch strings.ToUpper(s) {
	case "FULL", "HDRS":
		return strings.ToUpper(s)
	}
	return ""
}
