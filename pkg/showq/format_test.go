package showq

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCompatReasonLines(t *testing.T) {
	var b bytes.Buffer
	c := NewCompat(&b, false)
	c.loc = time.UTC
	long := strings.Repeat("x", 80)
	c.Message(&Message{Queue: "deferred", ID: "3F2A81C2E5", Arrival: 1732214400, Size: 1234, Sender: "alice@example.com",
		Recipients: []Recipient{{"a@example.net", "connect to mx: Connection refused"}, {"b@example.net", "connect to mx: Connection refused"},
			{"c@example.net", ""}, {"d@example.net", long}}})
	c.Message(&Message{Queue: "hold", ID: "4C1D2E3F4A", Arrival: 1732214462, Size: 567, ForcedExpire: true, Sender: "MAILER-DAEMON",
		Recipients: []Recipient{{"carol@example.net", ""}}})
	c.Close()
	want := "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n" +
		"3F2A81C2E5     1234 Thu Nov 21 18:40:00  alice@example.com\n" +
		reasonLine("connect to mx: Connection refused") +
		"                                         a@example.net\n" +
		"                                         b@example.net\n" +
		reasonLine("reason unavailable") +
		"                                         c@example.net\n" +
		"(" + long + ")\n" +
		"                                         d@example.net\n" +
		"\n" +
		"4C1D2E3F4A!#     567 Thu Nov 21 18:41:02  MAILER-DAEMON\n" +
		"                                         carol@example.net\n" +
		"\n" +
		"-- 1 Kbytes in 2 Requests.\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// reasonLine right-aligns "(reason)" so that ')' is in column 78.
func reasonLine(r string) string { return strings.Repeat(" ", 76-len(r)) + "(" + r + ")\n" }

func TestCompatEmptyAndSingular(t *testing.T) {
	var b bytes.Buffer
	c := NewCompat(&b, false)
	c.Close()
	if b.String() != "Mail queue is empty\n" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	c = NewCompat(&b, true)
	c.loc = time.UTC
	c.Message(&Message{Queue: "active", ID: "4Xb2tX0Kfzz1xy", Arrival: 1732214400, Size: 10, Sender: "a@b"})
	c.Close()
	want := "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------\n" +
		"4Xb2tX0Kfzz1xy*         10 Thu Nov 21 18:40:00 a@b\n\n-- 0 Kbytes in 1 Request.\n"
	if b.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	JSON(&b, &Message{Queue: "deferred", ID: "4C1D2E3F4A", Arrival: 1732210862, Size: 567, Sender: "MAILER-DAEMON",
		Recipients: []Recipient{{"carol@example.net", "connect to \"x\"\t..."}, {"d@example.net", ""}}})
	want := `{"queue_name": "deferred", "queue_id": "4C1D2E3F4A", "arrival_time": 1732210862, "message_size": 567, "forced_expire": false, "sender": "MAILER-DAEMON", "recipients": [{"address": "carol@example.net", "delay_reason": "connect to \"x\"\t..."}, {"address": "d@example.net"}]}` + "\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
