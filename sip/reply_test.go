package sip

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// capturedTx is a server transaction that keeps what it is asked to send.
type capturedTx struct {
	sip.ServerTransaction
	sent []*sip.Response
}

func (t *capturedTx) Respond(res *sip.Response) error {
	t.sent = append(t.sent, res)
	return nil
}

// Every answer carries Server; every 5xx pbxws answers is logged, with what identifies the
// request; answers below 500 are not.
func TestEveryServerErrorIsLogged(t *testing.T) {
	var out bytes.Buffer
	a := &Agent{cfg: Config{UserAgent: "pbxws-test"}, log: slog.New(slog.NewTextHandler(&out, nil))}
	req := sip.NewRequest(sip.INVITE, sip.Uri{User: "201", Host: "127.0.0.1"})
	req.AppendHeader(sip.NewHeader("Call-ID", "five-hundred@test"))
	for _, code := range []int{404, 486, 500, 502, 503} {
		tx := &capturedTx{}
		out.Reset()
		a.respond(tx, req, code, "Reason")
		if len(tx.sent) != 1 || tx.sent[0].StatusCode != code {
			t.Fatalf("%d: sent %v", code, tx.sent)
		}
		if s := tx.sent[0].GetHeader("Server"); s == nil || s.Value() != "pbxws-test" {
			t.Fatalf("%d: Server header %v", code, s)
		}
		logged := out.String()
		if code >= 500 {
			for _, want := range []string{"level=ERROR", "status=" + strconv.Itoa(code), "method=INVITE", "call_id=five-hundred@test"} {
				if !strings.Contains(logged, want) {
					t.Errorf("%d: the log lacks %q: %q", code, want, logged)
				}
			}
		} else if logged != "" {
			t.Errorf("%d logged: %q", code, logged)
		}
	}
}
