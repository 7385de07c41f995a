package sasl

import (
	"encoding/base64"
	"errors"
	"strings"
)

// Client mechanisms of the smtp/lmtp client. Both send the password in
// the clear, so both carry the plaintext property (Cyrus's
// SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS, no protection against
// active or dictionary attacks): any of noplaintext, noactive,
// nodictionary, mutual_auth or forward_secrecy rules them out.
var clientMechs = []string{"PLAIN", "LOGIN"}

// clientProps are what the client mechanisms offer.
const clientProps = NoAnonymous

// ErrNoMech is Cyrus SASL's SASL_NOMECH: no mechanism the server offers
// is usable. Text is sasl_errstring(SASL_NOMECH); Cyrus also logs "No
// worthy mechs found".
var ErrNoMech = errors.New("no mechanism available")

// ClientMech is a client mechanism in progress.
type ClientMech struct {
	Name       string
	user, pass string
	step       int
}

// ChooseClient picks the first mechanism in the server's list that the
// client has and the options allow (sasl_client_start()).
func ChooseClient(serverList []string, opts Props, user, pass string) (*ClientMech, error) {
	if opts&^clientProps != 0 {
		return nil, ErrNoMech
	}
	for _, m := range serverList {
		for _, c := range clientMechs {
			if strings.EqualFold(m, c) {
				return &ClientMech{Name: c, user: user, pass: pass}, nil
			}
		}
	}
	return nil, ErrNoMech
}

// Initial is the base64 initial response ("" for none): PLAIN sends
// "\0user\0password" at once (RFC 4616), LOGIN waits for prompts.
func (m *ClientMech) Initial() string {
	if m.Name == "PLAIN" {
		m.step = 1
		return base64.StdEncoding.EncodeToString([]byte("\x00" + m.user + "\x00" + m.pass))
	}
	return ""
}

// Next answers a base64 challenge (LOGIN: the user name, then the
// password).
func (m *ClientMech) Next(challenge string) (string, error) {
	if _, err := base64.StdEncoding.DecodeString(challenge); err != nil {
		return "", errors.New("bad base64 encoding in challenge")
	}
	m.step++
	switch {
	case m.Name == "LOGIN" && m.step == 1:
		return base64.StdEncoding.EncodeToString([]byte(m.user)), nil
	case m.Name == "LOGIN" && m.step == 2:
		return base64.StdEncoding.EncodeToString([]byte(m.pass)), nil
	case m.Name == "PLAIN" && m.step == 1:
		// An empty challenge after "AUTH PLAIN" without initial response.
		return base64.StdEncoding.EncodeToString([]byte("\x00" + m.user + "\x00" + m.pass)), nil
	}
	return "", errors.New("authentication protocol error")
}
