package tests

import (
	"os"
	"os/user"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestSendmailAddressVerifyLocal: sendmail -bv through local(8): an
// alias is reported per expanded address ("forwards to"), an unknown
// user as undeliverable, and nothing is delivered; log lines as Postfix
// 3.7 writes them.
func TestSendmailAddressVerifyLocal(t *testing.T) {
	t.Parallel()
	requireLocalRoot(t)
	inst := harness.Start(t, []string{"minimal_backoff_time = 300s",
		"mydestination = mx.example.test",
		"alias_maps = inline:{ {al=u@ok.test, u@bad.test} }",
		"transport_maps = inline:{ok.test=discard:, { bad.test = error:5.1.1 no such user here }, root@mx.example.test=discard:}"},
		submitMaster+"local unix - n n - - local\n"+
			"error unix - - n - - error\n"+
			"discard unix - - n - - discard\n")
	bin := submitCommands(t)
	res := sendmailCmd(t, inst, bin, "", "-bv", "al@mx.example.test", "nosuch@mx.example.test")
	if res.code != 0 {
		t.Fatalf("sendmail -bv: %+v", res)
	}
	me, _ := user.Current()
	id := pickedUp(t, inst, os.Getuid(), me.Username)
	for _, re := range []string{
		`postfix/local\[\d+\]: ` + id + `: to=<u@ok\.test>, orig_to=<al@mx\.example\.test>, relay=local, .*dsn=2\.0\.0, status=deliverable \(forwards to u@ok\.test\)$`,
		`postfix/local\[\d+\]: ` + id + `: to=<u@bad\.test>, orig_to=<al@mx\.example\.test>, relay=local, .*dsn=2\.0\.0, status=deliverable \(forwards to u@bad\.test\)$`,
		`postfix/local\[\d+\]: ` + id + `: to=<nosuch@mx\.example\.test>, relay=local, .*dsn=5\.1\.1, status=undeliverable \(unknown user: "nosuch"\)$`,
		`postfix/bounce\[\d+\]: ` + id + `: sender delivery status notification: [0-9A-F]+$`,
		`postfix/qmgr\[\d+\]: ` + id + `: removed$`,
	} {
		inst.WaitLog(t, re)
	}
}
