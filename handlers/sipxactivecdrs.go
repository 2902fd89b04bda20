package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"pbxws/models"
)

// activeWindow is how far back /my/activecdrs looks for calls still in progress.
const activeWindow = 24 * time.Hour

// activeCDR is one call in progress as sipX shows it.
type activeCDR struct {
	from, to, direction, recipient, kind string
	internal                             bool
	started                              time.Time
}

// MyActiveCDRs is GET /my/activecdrs: the user's calls in progress, from the PBX's call
// event log (calls one of the user's lines takes part in, without LINKEDID_END, started in
// the last 24 hours) and from pbxws's own click-to-call calls with live dialogs. direction
// is the user's view (OUTBOUND when the user's line or request placed it), recipient the
// line that answered, internal whether both ends are lines of this PBX; start-time is in
// milliseconds since the epoch and duration in milliseconds so far.
func MyActiveCDRs(st *models.Stores, domain func() string, now func() time.Time) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.View(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			var names []string
			mine := map[string]bool{}
			for _, l := range c.Lines {
				names = append(names, l.Name)
				mine[l.Name] = true
			}
			at := now()
			calls, err := st.CEL.ActiveCalls(ctx, names, at.Add(-activeWindow))
			if err != nil {
				return Result{}, err
			}
			var out []activeCDR
			for _, k := range calls {
				started, err := time.ParseInLocation("2006-01-02 15:04:05.999999", k.Started, time.Local)
				if err != nil {
					continue
				}
				d := activeCDR{from: k.From, to: k.To, recipient: k.AnsweredBy, started: started, direction: "INCOMING"}
				if len(k.Peers) > 0 && mine[k.Peers[0]] {
					d.direction = "OUTBOUND"
				}
				d.internal = len(k.IsLine) > 1 && k.IsLine[0] && slices.Contains(k.IsLine[1:], true)
				out = append(out, d)
			}
			live, err := st.CallRecords.LiveCalls(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			for _, k := range live {
				d := activeCDR{from: userPart(k.Caller), to: userPart(k.Callee), direction: "OUTBOUND", started: k.Started, internal: k.Internal}
				if k.Answered {
					d.recipient = d.to
				}
				out = append(out, d)
			}
			slices.SortStableFunc(out, func(a, b activeCDR) int { return a.started.Compare(b.started) })
			dom := domain()
			items := make([]any, len(out))
			for i, d := range out {
				d.kind = "Unknown"
				if d.internal {
					d.kind = "Internal"
				}
				o := SipxObject{{Name: "from", Value: d.from}, {Name: "from-aor", Value: "<sip:" + d.from + "@" + dom + ">"}, {Name: "to", Value: d.to},
					{Name: "to-aor", Value: "<sip:" + d.to + "@" + dom + ">"}, {Name: "direction", Value: d.direction}}
				if d.recipient != "" {
					o.add("recipient", d.recipient)
				}
				o = append(o, SipxObject{{Name: "internal", Value: d.internal}, {Name: "type", Value: d.kind}, {Name: "start-time", Value: int(d.started.UnixMilli())},
					{Name: "duration", Value: int(max(at.Sub(d.started).Milliseconds(), 0))}}...)
				items[i] = o
			}
			return Object(SipxDoc{Root: "cdrs", Value: SipxList{Item: "cdr", Items: items}}), nil
		},
	}}
}

// userPart is the user of a user@host address (all of it without @).
func userPart(addr string) string {
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "sip:"), "sips:")
	if i := strings.IndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}
