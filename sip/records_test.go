package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// testRecord is a record whose store only queues what it would write.
func testRecord() (*record, *recordStore) {
	st := &recordStore{ops: make(chan storeOp, 64), done: make(chan struct{})}
	return &record{a: &Agent{store: st}, id: 7}, st
}

func response(code int, reason string, cseq uint32) *sip.Response {
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "201", Host: "example.test"})
	req.AppendHeader(&sip.CSeqHeader{SeqNo: cseq, MethodName: sip.INVITE})
	return sip.NewResponseFromRequest(req, code, reason, nil)
}

// Lines arriving out of their sender's order (sipgo hands each message to its own goroutine)
// are put back in it: NOTIFYs by CSeq, INVITE responses 100, then 18x, then final, by CSeq; a
// retransmitted NOTIFY is not recorded twice; what the store receives last for each position
// is the line now there (issue 13 item 8).
func TestRecordKeepsTheSendersOrder(t *testing.T) {
	r, st := testRecord()
	r.insertLine(StatusLine{CallID: "a", Method: "INVITE", StatusLine: "SIP/2.0 180 Ringing"}, responseOrder(response(180, "Ringing", 1)), false)
	r.insertLine(StatusLine{CallID: "a", Method: "INVITE", StatusLine: "SIP/2.0 100 Trying"}, responseOrder(response(100, "Trying", 1)), false)
	r.insertLine(StatusLine{CallID: "a", Method: "INVITE", StatusLine: "SIP/2.0 200 OK"}, responseOrder(response(200, "OK", 1)), false)
	r.insertLine(StatusLine{CallID: "a", Method: "NOTIFY", StatusLine: "SIP/2.0 180 Ringing"}, 2, true)
	r.addLine(StatusLine{CallID: "b", Method: "INVITE", StatusLine: "SIP/2.0 480 Temporarily Unavailable"})
	r.insertLine(StatusLine{CallID: "a", Method: "NOTIFY", StatusLine: "SIP/2.0 100 Trying"}, 1, true)
	if r.insertLine(StatusLine{CallID: "a", Method: "NOTIFY", StatusLine: "SIP/2.0 100 Trying"}, 1, true) {
		t.Fatal("a retransmitted NOTIFY was recorded again")
	}
	// The NOTIFY 100 goes back before the NOTIFY 180; the other dialog's line keeps its place.
	want := []string{
		"a INVITE SIP/2.0 100 Trying", "a INVITE SIP/2.0 180 Ringing", "a INVITE SIP/2.0 200 OK",
		"a NOTIFY SIP/2.0 100 Trying", "a NOTIFY SIP/2.0 180 Ringing", "b INVITE SIP/2.0 480 Temporarily Unavailable",
	}
	got := make([]string, len(r.lines))
	for i, l := range r.lines {
		got[i] = l.line.CallID + " " + l.line.Method + " " + l.line.StatusLine
	}
	if len(got) != len(want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lines %q, want %q", got, want)
		}
	}
	last := map[int]string{}
	for len(st.ops) > 0 {
		op := <-st.ops
		last[op.seq] = op.line.StatusLine
	}
	for i, l := range r.lines {
		if last[i+1] != l.line.StatusLine {
			t.Fatalf("the store's line %d is %q, want %q", i+1, last[i+1], l.line.StatusLine)
		}
	}

	// Adjacent NOTIFYs of one dialog swap back.
	r2, _ := testRecord()
	r2.insertLine(StatusLine{CallID: "c", Method: "NOTIFY", StatusLine: "SIP/2.0 180 Ringing"}, 3, true)
	r2.insertLine(StatusLine{CallID: "c", Method: "NOTIFY", StatusLine: "SIP/2.0 100 Trying"}, 2, true)
	if r2.lines[0].line.StatusLine != "SIP/2.0 100 Trying" {
		t.Fatalf("NOTIFYs not in CSeq order: %+v", r2.lines)
	}
}

// A finished record stays in the gone list for goneFor: the legs it had must not stay
// reachable through the spare capacity of its slices (each holds a dialog's messages).
func TestRecordForgetsTheLegsItDetaches(t *testing.T) {
	a := &Agent{records: map[string]*record{}}
	r := &record{a: a, method: "REFER"}
	l1, l2 := &leg{callID: "1"}, &leg{callID: "2"}
	r.legs, r.views = []*leg{l1, l2}, []*leg{l1, l2}
	r.forget(l2)
	r.forget(l1)
	for _, s := range [][]*leg{r.legs, r.views} {
		if len(s) != 0 {
			t.Fatalf("legs left: %d", len(s))
		}
		for i, x := range s[:cap(s)] {
			if x != nil {
				t.Errorf("slot %d of a detached record still holds leg %s", i, x.callID)
			}
		}
	}
}
