package smtpd

import "strings"

// EHLO keywords that smtpd_discard_ehlo_keywords can suppress
// (global/ehlo_mask.c).
type ehloMask int

const (
	ehlo8BitMIME ehloMask = 1 << iota
	ehloPipelining
	ehloSize
	ehloVrfy
	ehloEtrn
	ehloAuth
	ehloVerp
	ehloStartTLS
	ehloXclient
	ehloXforward
	ehloEnhancedStatusCodes
	ehloDSN
	ehloSMTPUTF8
	ehloChunking
	_
	ehloSilent
)

// ehloNames is ehlo_mask_table, in its order (which str_ehlo_mask uses).
var ehloNames = []struct {
	name string
	mask ehloMask
}{
	{"8BITMIME", ehlo8BitMIME}, {"AUTH", ehloAuth}, {"ETRN", ehloEtrn},
	{"PIPELINING", ehloPipelining}, {"SIZE", ehloSize}, {"VERP", ehloVerp},
	{"VRFY", ehloVrfy}, {"XCLIENT", ehloXclient}, {"XFORWARD", ehloXforward},
	{"STARTTLS", ehloStartTLS}, {"ENHANCEDSTATUSCODES", ehloEnhancedStatusCodes},
	{"DSN", ehloDSN}, {"EHLO_MASK_SMTPUTF8", ehloSMTPUTF8}, {"SMTPUTF8", ehloSMTPUTF8},
	{"CHUNKING", ehloChunking}, {"SILENT-DISCARD", ehloSilent},
}

// parseEhloMask ORs the masks of the listed keywords, ignoring unknown
// ones (ehlo_mask with NAME_MASK_IGNORE).
func parseEhloMask(words []string) ehloMask {
	var m ehloMask
	for _, w := range words {
		for _, n := range ehloNames {
			if strings.EqualFold(w, n.name) {
				m |= n.mask
			}
		}
	}
	return m
}

// String lists the keywords of a mask (str_ehlo_mask).
func (m ehloMask) String() string {
	var out []string
	var seen ehloMask
	for _, n := range ehloNames {
		if m&n.mask != 0 && seen&n.mask == 0 {
			out = append(out, n.name)
			seen |= n.mask
		}
	}
	return strings.Join(out, " ")
}

func (r *paramReader) ehloWords(name string) ehloMask {
	return parseEhloMask(r.cfg.List(name))
}
