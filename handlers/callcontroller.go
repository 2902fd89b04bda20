package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pbxws/acl"
	"pbxws/models"
	"pbxws/sip"
)

// CallController serves /callcontroller/{caller}/{callee} (callcontroller spec) and the sipX
// click-to-call /sipxconfig/rest/my/call/{to}, both on the SIP engine. It reads the HTTP
// request from a Request (Method, Target, PathParams, Authorization, Peer, Secure, Query)
// and answers with a Result that web renders: handlers never see the HTTP framework.
type CallController struct {
	Agent *sip.Agent
	Dir   *models.Directory
	// Agents, when set, looks the calls' agents up (remembering them briefly); else Dir.
	Agents *acl.RecentUsers
	Auth   *acl.UserAuth
	// Trusted are the hosts whose requests need no authentication (spec §3); the outbound
	// proxy's addresses are added by the server.
	Trusted []netip.Prefix
	// RemoteAccess false refuses every request from a host that is not trusted.
	RemoteAccess bool
	// MyCallForwarding lets the user's forwarding rules apply to /my/call's first INVITE.
	MyCallForwarding bool
	// Health turns database outages into 503s (logged once per outage).
	Health *models.Health
}

// unavailable is the 503 with Retry-After, when err means the database is down.
func (cc *CallController) unavailable(err error) (Result, bool) {
	if !cc.Health.Report(err) {
		return Result{}, false
	}
	return retryLater(plain(http.StatusServiceUnavailable, "the database is unavailable: retry later"), "2"), true
}

// retryLater adds Retry-After to a refusal.
func retryLater(res Result, seconds string) Result {
	res.Header = http.Header{"Retry-After": {seconds}}
	return res
}

const (
	ccNamespace    = "http://www.sipfoundry.org/sipX/schema/xml/call-status-00-00"
	defaultTimeout = 180
	maxTimer       = 3600
)

func (cc *CallController) trusted(a netip.Addr) bool {
	for _, p := range cc.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Handle answers /callcontroller/:caller?/:callee?.
func (cc *CallController) Handle(ctx context.Context, r *Request) (Result, error) {
	method := r.Method
	if method != http.MethodPost && method != http.MethodGet {
		return Result{Status: http.StatusMethodNotAllowed}, nil
	}
	caller, err1 := url.PathUnescape(r.PathParams["caller"])
	callee, err2 := url.PathUnescape(r.PathParams["callee"])
	if caller == "" || callee == "" || err1 != nil || err2 != nil {
		return ccError(400, 400, "Missing a required parameter - need both callingParty and calledParty URL Parameters"), nil
	}
	agentName := r.Param("agent")
	if agentName == "" {
		agentName = caller
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	agent, refused, err := cc.authorize(ctx, r, agentName)
	if err != nil || agent == nil {
		return refused, err
	}

	domain := cc.Agent.Domain()
	callerAddr, err := sip.NormalizeParty(caller, domain)
	if err != nil {
		return ccError(400, 400, "Bad parameter callingParty: "+reason(err)), nil
	}
	calleeAddr, err := sip.NormalizeParty(callee, domain)
	if err != nil {
		return ccError(400, 400, "Bad parameter calledParty: "+reason(err)), nil
	}
	sipMethod := strings.ToUpper(paramOr(r, "sipMethod", "REFER"))
	if method == http.MethodGet {
		return cc.status(ctx, cc.Agent.Key(agent, callerAddr, calleeAddr), sipMethod == "INVITE"), nil
	}
	if sipMethod != "REFER" && sipMethod != "INVITE" {
		return ccError(406, 406, "Call Setup Method "+r.Param("sipMethod")+" not supported"), nil
	}
	req := sip.CallRequest{Agent: agent, Caller: callerAddr, Callee: calleeAddr, Method: sipMethod,
		Forwarding: r.Param("isForwardingAllowed") == "true"}
	var ok bool
	if req.Timeout, ok = seconds(r, "timeout"); !ok {
		return ccError(400, 400, "Bad parameter timeout = "+r.Param("timeout")), nil
	}
	if req.CacheTime, ok = seconds(r, "resultCacheTime"); !ok {
		return ccError(400, 400, "Bad parameter resultCacheTime = "+r.Param("resultCacheTime")), nil
	}
	if s := r.Param("subject"); s != "" {
		if err := sip.CheckHeaderText(s); err != nil {
			return ccError(400, 400, "Bad parameter subject: "+err.Error()), nil
		}
		req.Subject = s
	}
	if p := r.Param("confpin"); p != "" {
		if err := sip.CheckConfPin(p); err != nil {
			return ccError(400, 400, "Bad parameter confpin: "+err.Error()), nil
		}
		req.ConfPin = p
	}
	switch action := paramOr(r, "action", "call"); action {
	case "call":
		err = cc.Agent.Call(ctx, req)
	case "transfer":
		target := r.Param("target")
		if target == "" {
			return ccError(400, 400, "Need a transfer target parameter"), nil
		}
		targetAddr, terr := sip.NormalizeParty(target, domain)
		if terr != nil {
			return ccError(400, 400, "Bad parameter target: "+reason(terr)), nil
		}
		err = cc.Agent.Transfer(ctx, req, targetAddr)
	default:
		return ccError(400, 400, "Unknown action "+action), nil
	}
	if res, down := cc.unavailable(err); down {
		return res, nil
	}
	return ccResult(err), nil
}

// paramOr is a query parameter, or def when it is absent or empty.
func paramOr(r *Request, name, def string) string {
	if v := r.Param(name); v != "" {
		return v
	}
	return def
}

// authorize applies spec §3: trusted host, agent lookup, then the agent's own credentials.
// It returns the agent, or (nil, the refusal, nil).
func (cc *CallController) authorize(ctx context.Context, r *Request, agentName string) (*models.SIPUser, Result, error) {
	isTrusted := cc.trusted(r.Peer)
	if !isTrusted && !cc.RemoteAccess {
		return nil, plain(403, "Remote access is not permitted"), nil
	}
	var agent *models.SIPUser
	var err error
	if cc.Agents != nil {
		agent, err = cc.Agents.LookupUser(ctx, agentName)
	} else {
		agent, err = cc.Dir.LookupUser(ctx, agentName)
	}
	if errors.Is(err, models.ErrNotFound) {
		status := 403
		if _, _, isBasic, _ := acl.ParseBasic(r.Authorization); isBasic && !isTrusted {
			status = 401
		}
		return nil, plain(status, "User Not found "+agentName), nil
	}
	if err != nil {
		return nil, Result{}, err
	}
	if isTrusted {
		return agent, Result{}, nil
	}
	principal, refused := cc.authenticate(ctx, r, false)
	if principal == nil {
		return nil, refused, nil
	}
	if principal.ID != agent.ID {
		return nil, plain(403, "Agent does not match principal"), nil
	}
	return agent, Result{}, nil
}

// authenticate checks the Basic (TLS only, unless basicAlways) or Digest credentials; on
// failure it returns a nil user and the 401 with the challenges (or the refusal).
func (cc *CallController) authenticate(ctx context.Context, r *Request, basicAlways bool) (*models.SIPUser, Result) {
	allowBasic := r.Secure || basicAlways
	user, _, err := cc.Auth.Authenticate(ctx, acl.AuthRequest{
		// The Digest uri is compared with the request-target as the client sent it.
		Method: r.Method, URI: r.Target,
		Authorization: r.Authorization, TLS: allowBasic, Peer: r.Peer,
	})
	if err == nil {
		return user, Result{}
	}
	var ae *acl.AuthError
	var th *acl.Throttled
	switch {
	case errors.As(err, &th):
		return nil, retryLater(plain(http.StatusTooManyRequests, th.Error()), strconv.Itoa(th.Seconds()))
	case errors.Is(err, acl.ErrChecksBusy):
		return nil, retryLater(plain(http.StatusServiceUnavailable, "too many logins are being checked: retry later"), "1")
	}
	if res, down := cc.unavailable(err); down {
		return nil, res
	}
	if !errors.As(err, &ae) {
		return nil, plain(500, "authentication failed")
	}
	res := plain(ae.Status, ae.Text)
	if ae.Status == 401 {
		res.Header = http.Header{"Www-Authenticate": cc.Auth.Challenges(allowBasic, ae.Stale)}
	}
	return nil, res
}

// MyCall answers PUT/GET /sipxconfig/rest/my/call/{to} (sipx-rest §6.1).
func (cc *CallController) MyCall(ctx context.Context, r *Request) (Result, error) {
	switch r.Method {
	case http.MethodPut, http.MethodGet:
	case http.MethodOptions:
		return Result{Status: 200}, nil
	default:
		return Result{Status: http.StatusMethodNotAllowed, Header: http.Header{"Allow": {"GET, PUT, OPTIONS"}}}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	user, refused := cc.authenticate(ctx, r, true)
	if user == nil {
		return refused, nil
	}
	to, err := url.PathUnescape(r.PathParams["to"])
	if err != nil {
		return sipxError(400, "the destination is not URL-encoded correctly", "BadRequest"), nil
	}
	to = strings.Map(func(r rune) rune {
		if strings.ContainsRune("[](){}.-", r) {
			return -1
		}
		return r
	}, to)
	if strings.HasPrefix(strings.ToLower(to), "sip:") {
		// A full SIP address keeps its dots.
		to, _ = url.PathUnescape(r.PathParams["to"])
	}
	if to == "" {
		return sipxError(400, "the destination is empty", "BadRequest"), nil
	}
	callee, err := sip.NormalizeParty(to, cc.Agent.Domain())
	if err != nil {
		return sipxError(400, reason(err), "BadRequest"), nil
	}
	caller := user.UserName + "@" + cc.Agent.Domain()
	err = cc.Agent.Call(ctx, sip.CallRequest{Agent: user, Caller: caller, Callee: callee, Method: "REFER",
		Timeout: defaultTimeout * time.Second, CacheTime: defaultTimeout * time.Second, Forwarding: cc.MyCallForwarding})
	var ce *sip.CallError
	if errors.As(err, &ce) {
		return sipxError(500, ce.Text, "NoSipCredentials"), nil
	}
	if res, down := cc.unavailable(err); down {
		return res, nil
	}
	if err != nil {
		return sipxError(500, "the call could not be started", "InternalError"), nil
	}
	return Result{Status: 200}, nil
}

func sipxError(status int, msg, typ string) Result {
	b, _ := EncodeJSON(map[string]string{"error": msg, "type": typ})
	return Result{Status: status, Text: b, TextType: "application/json"}
}

func reason(err error) string {
	var pe *sip.PartyError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return err.Error()
}

// seconds reads timeout/resultCacheTime: a whole number of seconds from 0 to 3600.
func seconds(r *Request, name string) (time.Duration, bool) {
	v := r.Param(name)
	if v == "" {
		return defaultTimeout * time.Second, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxTimer {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

func ccResult(err error) Result {
	var ce *sip.CallError
	switch {
	case err == nil:
		return Result{Status: 200}
	case errors.As(err, &ce):
		return ccError(ce.HTTP, ce.Code, ce.Text)
	default:
		return plain(500, "the call could not be started")
	}
}

func plain(status int, text string) Result {
	return Result{Status: status, Text: []byte(text), TextType: "text/plain; charset=utf-8"}
}

// ccError is the processing-status document of spec §4.4.
func ccError(status, code int, text string) Result {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<processing-status xmlns="` + ccNamespace + `">` + "\n")
	b.WriteString("<error-flag>ERROR</error-flag>\n")
	fmt.Fprintf(&b, "<error-code>%d</error-code>\n", code)
	b.WriteString("<error-text>")
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString("</error-text>\n</processing-status>\n")
	return Result{Status: status, Text: b.Bytes(), TextType: "text/xml"}
}

// status is the record's document (spec §4.3): status-lines for REFER mode, dialogs for
// INVITE mode; without a record, the empty document the GET's sipMethod asks for.
func (cc *CallController) status(ctx context.Context, key string, inviteMode bool) Result {
	rec, err := cc.Agent.Status(ctx, key)
	if res, down := cc.unavailable(err); down {
		return res
	}
	if err != nil {
		return plain(500, "the call record could not be read")
	}
	if rec != nil {
		inviteMode = rec.Method == "INVITE"
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	esc := func(s string) { _ = xml.EscapeText(&b, []byte(s)) }
	if inviteMode {
		b.WriteString(`<dialogs xmlns="` + ccNamespace + `">` + "\n")
		if rec != nil {
			for _, d := range rec.Dialogs {
				b.WriteString("\t<dialog>\n\t\t<dialog-id>")
				esc(d.ID)
				b.WriteString("</dialog-id>\n\t\t<local-party>")
				esc(d.Local)
				b.WriteString("</local-party>\n\t\t<remote-party>")
				esc(d.Remote)
				b.WriteString("</remote-party>\n\t\t<dialog-state>")
				esc(d.State)
				b.WriteString("</dialog-state>\n\t</dialog>\n")
			}
		}
		b.WriteString("</dialogs>\n")
	} else {
		b.WriteString(`<status-lines xmlns="` + ccNamespace + `">` + "\n")
		if rec != nil {
			for _, l := range rec.Lines {
				fmt.Fprintf(&b, "<status>\n\t<timestamp>%d</timestamp>\n\t<call-id>", l.AtMillis)
				esc(l.CallID)
				b.WriteString("</call-id>\n\t<method>")
				esc(l.Method)
				b.WriteString("</method>\n\t<status-line>")
				esc(l.StatusLine)
				b.WriteString("</status-line>\n</status>\n")
			}
		}
		b.WriteString("</status-lines>\n")
	}
	return Result{Status: 200, Text: b.Bytes(), TextType: "text/xml"}
}
