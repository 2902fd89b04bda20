package wsclient

import (
	"context"
	"fmt"
	"strconv"
)

// Typed services beyond users/lines/contexts/entities/devices, each sending exactly the body
// xivo-ws builds (xivo-ws-wire.md §4) and reading the keys xivo-ws reads.

// Agent is a call-center agent.
type Agent struct {
	ID                  any
	Firstname, Lastname string
	Password            string
	Number              any // string or int, as given
	Context             string
	Users               []any // user ids
}

// Group is a ring group.
type Group struct {
	ID      int
	Name    string
	Number  any // omitted when nil; "" allowed
	Context string
	UserIDs []any
}

// Queue is a call queue.
type Queue struct {
	ID                  int
	Name, DisplayName   string
	Number              any
	Context             string
	RingStrategy        string // default ringall
	RingingTime         int
	Autopause           *bool // default true
	ReachabilityTimeout any   // queue.timeout, only when set
	Maxlen, Wrapuptime  int
	JoinEmpty           any
	LeaveWhenEmpty      any
	WaitTime, WaitRatio any
	ScheduleID          *int
	Agents, Users       []any
}

// Destination is an incall's answer dial action.
type Destination struct {
	Type string // user, group, queue, voicemail
	ID   any
}

// CallerIDMode is an incall's caller-id rewriting.
type CallerIDMode struct {
	Mode    string // prepend, overwrite, append
	Display string
}

// Incall is an incoming call route.
type Incall struct {
	ID          int
	Number      any
	Context     string
	Destination Destination
	CallerID    *CallerIDMode
}

// SIPTrunk is a SIP trunk; IAXTrunk an IAX one.
type SIPTrunk struct {
	ID               int
	Name, Context    string
	Username, Secret *string
	Host             string // "" → dynamic
	Type             string // peer (default), user, friend
}

// IAXTrunk is an IAX trunk.
type IAXTrunk struct {
	ID               int
	Name, Context    string
	Username, Secret *string
	Host             string
	Type             string
	Description      *string
	RequireCallToken *string // default "auto"; set to a pointer to "" to omit
}

// CustomTrunk is a custom-interface trunk.
type CustomTrunk struct {
	ID                                                     int
	Name, Interface                                        string
	Context                                                *string
	ProtocolID, RegisterID, RegisterCommented, Description any
}

// OutcallExten is one dial pattern of an outcall.
type OutcallExten struct {
	Exten    string
	StripNum any // default 0
	CallerID string
}

// Outcall is an outgoing route.
type Outcall struct {
	ID      int
	Name    string
	Context string
	Trunks  []any
	Extens  []OutcallExten
}

// ConfRoom is a conference room.
type ConfRoom struct {
	ID      int
	Name    string
	Number  any
	Context string
}

// Voicemail is a voicemail box; its id is uniqueid.
type Voicemail struct {
	ID                  int
	Mailbox, Fullname   string
	Password, Email, TZ any
}

// QueueSkillRules is a named list of skill rules.
type QueueSkillRules struct {
	ID   int
	Name string
	Rule []string
}

// Schedule is an opening-hours schedule.
type Schedule struct {
	ID                            int
	EntityID                      any
	Name, Timezone                string
	FallbackActionType            string
	FallbackAction                string
	FallbackActionDestinationID   any
	FallbackActionDestinationArgs any
	Description                   any
	Opened, Closed                []map[string]any
}

// SCCPGeneralSettings is the SCCP singleton.
type SCCPGeneralSettings struct {
	DirectMedia *bool
	DialTimeout int
	Language    string
}

// Service accessors for the typed bodies below.
func (c *Client) Agents() *Service          { return c.Service("agents") }
func (c *Client) Queues() *Service          { return c.Service("queues") }
func (c *Client) SIPTrunks() *Service       { return c.Service("sip_trunks") }
func (c *Client) IAXTrunks() *Service       { return c.Service("iax_trunks") }
func (c *Client) CustomTrunks() *Service    { return c.Service("custom_trunks") }
func (c *Client) Outcalls() *Service        { return c.Service("outcalls") }
func (c *Client) QueueSkillRules() *Service { return c.Service("queueskillrules") }
func (c *Client) Statconfs() *Service       { return c.Service("statconfs") }

// AgentBody is the add/edit body xivo-ws sends for a.
func AgentBody(a Agent) map[string]any {
	af := map[string]any{"numgroup": "1", "autologoff": "0", "firstname": a.Firstname, "number": a.Number, "context": a.Context}
	if a.Lastname != "" {
		af["lastname"] = a.Lastname
	}
	if a.Password != "" {
		af["passwd"] = a.Password
	}
	users := a.Users
	if users == nil {
		users = []any{}
	}
	return map[string]any{"agentfeatures": af, "user-select": users}
}

// GroupBody is the add/edit body xivo-ws sends for g.
func GroupBody(g Group) map[string]any {
	gf := map[string]any{"name": g.Name, "context": g.Context, "timeout": "0"}
	if g.Number != nil {
		gf["number"] = g.Number
	}
	users := g.UserIDs
	if users == nil {
		users = []any{}
	}
	return map[string]any{"groupfeatures": gf, "queue": map[string]any{}, "user": users}
}

// QueueBody is the add/edit body xivo-ws sends for q.
func QueueBody(q Queue) map[string]any {
	strategy := q.RingStrategy
	if strategy == "" {
		strategy = "ringall"
	}
	autopause := true
	if q.Autopause != nil {
		autopause = *q.Autopause
	}
	queue := map[string]any{"musicclass": "default", "min-announce-frequency": "60", "announce-position": "yes",
		"announce-position-limit": "5", "timeoutpriority": "app", "ringinuse": true, "autofill": true,
		"setqueueentryvar": true, "setqueuevar": true, "strategy": strategy, "maxlen": q.Maxlen,
		"joinempty": q.JoinEmpty, "leavewhenempty": q.LeaveWhenEmpty, "autopause": autopause, "wrapuptime": q.Wrapuptime}
	if q.ReachabilityTimeout != nil {
		queue["timeout"] = q.ReachabilityTimeout
	}
	body := map[string]any{
		"queuefeatures": map[string]any{"timeout": strconv.Itoa(q.RingingTime), "hitting_caller": true, "transfer_user": true,
			"name": q.Name, "displayname": q.DisplayName, "number": q.Number, "context": q.Context,
			"waittime": q.WaitTime, "waitratio": q.WaitRatio},
		"queue": queue,
		"dialaction": map[string]any{"noanswer": none(), "busy": none(), "congestion": none(), "chanunavail": none(),
			"qwaittime": none(), "qwaitratio": none()},
		"agent": orEmpty(q.Agents), "user": orEmpty(q.Users),
	}
	if q.ScheduleID != nil {
		body["schedule_id"] = *q.ScheduleID
	}
	return body
}

// IncallBody is the add/edit body xivo-ws sends for i.
func IncallBody(i Incall) map[string]any {
	body := map[string]any{
		"incall":     map[string]any{"exten": i.Number, "context": i.Context},
		"dialaction": map[string]any{"answer": map[string]any{"actiontype": i.Destination.Type, "actionarg1": i.Destination.ID, "actionarg2": ""}},
	}
	if i.CallerID != nil {
		body["callerid"] = map[string]any{"mode": i.CallerID.Mode, "callerdisplay": i.CallerID.Display}
	}
	return body
}

func trunkProtocol(name, context, typ, host string, username, secret *string) map[string]any {
	if typ == "" {
		typ = "peer"
	}
	p := map[string]any{"name": name, "context": context, "type": typ}
	if username != nil {
		p["username"] = *username
	}
	if secret != nil {
		p["secret"] = *secret
	}
	if host != "" {
		p["host-type"], p["host-static"] = "static", host
	} else {
		p["host-type"] = "dynamic"
	}
	return p
}

// SIPTrunkBody is the add/edit body xivo-ws sends for t.
func SIPTrunkBody(t SIPTrunk) map[string]any {
	p := trunkProtocol(t.Name, t.Context, t.Type, t.Host, t.Username, t.Secret)
	p["transport"] = "udp"
	return map[string]any{"protocol": p, "trunkfeatures": map[string]any{}}
}

// IAXTrunkBody is the add body xivo-ws sends for t.
func IAXTrunkBody(t IAXTrunk) map[string]any {
	p := trunkProtocol(t.Name, t.Context, t.Type, t.Host, t.Username, t.Secret)
	switch {
	case t.RequireCallToken == nil:
		p["requirecalltoken"] = "auto"
	case *t.RequireCallToken != "":
		p["requirecalltoken"] = *t.RequireCallToken
	}
	var desc any
	if t.Description != nil {
		desc = *t.Description
	}
	return map[string]any{"protocol": p, "trunkfeatures": map[string]any{"description": desc}}
}

// CustomTrunkBody is the add body xivo-ws sends for t.
func CustomTrunkBody(t CustomTrunk) map[string]any {
	var ctx any
	if t.Context != nil {
		ctx = *t.Context
	}
	return map[string]any{
		"protocol":      map[string]any{"name": t.Name, "context": ctx, "interface": t.Interface, "protocol": "custom"},
		"trunkfeatures": map[string]any{"protocolid": t.ProtocolID, "registerid": t.RegisterID, "registercommented": t.RegisterCommented, "description": t.Description},
	}
}

// OutcallBody is the add body xivo-ws sends for o: dial patterns column-wise, in reverse
// order, each column closed by a "" sentinel.
func OutcallBody(o Outcall) (map[string]any, error) {
	if len(o.Trunks) == 0 {
		return nil, fmt.Errorf("an outcall needs at least one trunk")
	}
	body := map[string]any{"outcall": map[string]any{"name": o.Name, "context": o.Context}, "outcalltrunk": o.Trunks}
	if len(o.Extens) > 0 {
		cols := map[string][]any{}
		for i := len(o.Extens) - 1; i >= 0; i-- {
			e := o.Extens[i]
			strip := e.StripNum
			if strip == nil {
				strip = 0
			}
			cols["id"] = append(cols["id"], "0")
			cols["externprefix"] = append(cols["externprefix"], "")
			cols["prefix"] = append(cols["prefix"], "")
			cols["exten"] = append(cols["exten"], e.Exten)
			cols["stripnum"] = append(cols["stripnum"], strip)
			cols["callerid"] = append(cols["callerid"], e.CallerID)
		}
		dp := map[string]any{}
		for k, v := range cols {
			dp[k] = append(v, "")
		}
		body["dialpattern"] = dp
	}
	return body, nil
}

// ConfRoomBody is the add body xivo-ws sends for r.
func ConfRoomBody(r ConfRoom) map[string]any {
	return map[string]any{
		"meetmefeatures": map[string]any{"name": r.Name, "confno": r.Number, "context": r.Context, "maxusers": "0",
			"admin_typefrom": "none", "user_mode": "all", "user_announcejoinleave": "no", "user_musiconhold": "default"},
		"meetmeroom": map[string]any{"confno": r.Number},
	}
}

// VoicemailBody is the add body xivo-ws sends for v.
func VoicemailBody(v Voicemail) map[string]any {
	return map[string]any{"voicemail": map[string]any{"mailbox": v.Mailbox, "fullname": v.Fullname,
		"password": v.Password, "email": v.Email, "tz": v.TZ}}
}

// QueueSkillRulesBody is the add body xivo-ws sends for r.
func QueueSkillRulesBody(r QueueSkillRules) map[string]any {
	rule := make([]any, len(r.Rule))
	for i, x := range r.Rule {
		rule[i] = x
	}
	return map[string]any{"name": r.Name, "rule": rule}
}

// ScheduleBody is the add body xivo-ws sends for s.
func ScheduleBody(s Schedule) map[string]any {
	fb := map[string]any{"actiontype": "none"}
	if s.FallbackActionType != "" {
		fb = map[string]any{"actiontype": s.FallbackActionType}
		if s.FallbackAction != "" {
			fb["action"] = s.FallbackAction
		}
		if !falsy(s.FallbackActionDestinationID) {
			fb["actionarg1"] = s.FallbackActionDestinationID
		}
		if !falsy(s.FallbackActionDestinationArgs) {
			fb["actionarg2"] = s.FallbackActionDestinationArgs
		}
	}
	periods := func(p []map[string]any) []any {
		out := make([]any, len(p))
		for i, x := range p {
			out[i] = x
		}
		return out
	}
	return map[string]any{
		"schedule":   map[string]any{"entity_id": s.EntityID, "name": s.Name, "timezone": s.Timezone, "description": s.Description},
		"dialaction": map[string]any{"schedule_fallback": fb},
		"opened":     periods(s.Opened), "closed": periods(s.Closed),
	}
}

// EditSCCPGeneralSettings posts the flat settings with act=edit and no id.
func (c *Client) EditSCCPGeneralSettings(ctx context.Context, s SCCPGeneralSettings) error {
	dm := 0
	if s.DirectMedia != nil && *s.DirectMedia {
		dm = 1
	}
	return c.Service("sccp_general_settings").RawEdit(ctx, "", map[string]any{"directmedia": dm, "dialtimeout": s.DialTimeout, "language": s.Language})
}

// ViewSCCPGeneralSettings reads the nested singleton.
func (c *Client) ViewSCCPGeneralSettings(ctx context.Context) (SCCPGeneralSettings, error) {
	m, err := c.Service("sccp_general_settings").RawView(ctx, "")
	if err != nil {
		return SCCPGeneralSettings{}, err
	}
	v, err := need(m, "sccpgeneralsettings")
	if err != nil {
		return SCCPGeneralSettings{}, err
	}
	inner, ok := v.(map[string]any)
	if !ok {
		return SCCPGeneralSettings{}, fmt.Errorf("sccpgeneralsettings: not an object")
	}
	var out SCCPGeneralSettings
	switch d := inner["directmedia"].(type) {
	case bool:
		out.DirectMedia = &d
	case string:
		if d == "yes" || d == "no" {
			b := d == "yes"
			out.DirectMedia = &b
		}
	default:
		if n, err := toInt(d, "directmedia"); err == nil {
			b := n != 0
			out.DirectMedia = &b
		}
	}
	if out.DialTimeout, err = toInt(inner["dialtimeout"], "dialtimeout"); err != nil {
		return out, err
	}
	out.Language = str(inner["language"])
	return out, nil
}

// CELs fetches the call events after idbeg (act=searchid&idbeg=N, inserted verbatim); the
// answer must be an array, [] when empty, each event with the 21 keys xivo-ws requires.
func (c *Client) CELs(ctx context.Context, idbeg int) ([]map[string]any, error) {
	s := c.Service("cels")
	raw, _, err := c.do(ctx, "GET", s.Path, "act=searchid&idbeg="+strconv.Itoa(idbeg), nil)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("cel answer is empty, not a JSON array")
	}
	items, err := decodeList(raw)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		for _, k := range celKeys {
			if _, ok := it[k]; !ok {
				return nil, fmt.Errorf("cel %d lacks %q", i, k)
			}
		}
	}
	return items, nil
}

var celKeys = []string{"id", "eventtype", "eventtime", "userdeftype", "cid_name", "cid_num", "cid_ani",
	"cid_rdnis", "cid_dnid", "exten", "context", "channame", "appname", "appdata", "amaflags",
	"accountcode", "peeraccount", "uniqueid", "linkedid", "userfield", "peer"}

func orEmpty(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}
