package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pbxws/acl"
	"pbxws/models"
	"pbxws/sip"
)

// CallController serves /callcontroller/{caller}/{callee} (callcontroller spec) and the sipX
// click-to-call /sipxconfig/rest/my/call/{to}, both on the SIP engine.
type CallController struct {
	Agent *sip.Agent
	Dir   *models.Directory
	Auth  *acl.UserAuth
	// Peer is the client address as the server established it (TCP peer or trusted proxy).
	Peer func(*fiber.Ctx) netip.Addr
	// Secure reports whether the client reached pbxws over TLS (the listener's state, or a
	// trusted proxy's X-Forwarded-Proto), never from headers anyone can send.
	Secure func(*fiber.Ctx) bool
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

// unavailable answers 503 with Retry-After when err means the database is down.
func (cc *CallController) unavailable(c *fiber.Ctx, err error) bool {
	if !cc.Health.Report(err) {
		return false
	}
	c.Set(fiber.HeaderRetryAfter, "2")
	_ = plain(c, fiber.StatusServiceUnavailable, "the database is unavailable: retry later")
	return true
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
func (cc *CallController) Handle(c *fiber.Ctx) error {
	method := c.Method()
	if method != fiber.MethodPost && method != fiber.MethodGet {
		c.Status(fiber.StatusMethodNotAllowed)
		return nil
	}
	caller, err1 := url.PathUnescape(c.Params("caller"))
	callee, err2 := url.PathUnescape(c.Params("callee"))
	if caller == "" || callee == "" || err1 != nil || err2 != nil {
		return ccError(c, 400, 400, "Missing a required parameter - need both callingParty and calledParty URL Parameters")
	}
	agentName := c.Query("agent")
	if agentName == "" {
		agentName = caller
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()

	agent, err := cc.authorize(ctx, c, agentName)
	if err != nil || agent == nil {
		return err
	}

	domain := cc.Agent.Domain()
	callerAddr, err := sip.NormalizeParty(caller, domain)
	if err != nil {
		return ccError(c, 400, 400, "Bad parameter callingParty: "+reason(err))
	}
	calleeAddr, err := sip.NormalizeParty(callee, domain)
	if err != nil {
		return ccError(c, 400, 400, "Bad parameter calledParty: "+reason(err))
	}
	sipMethod := strings.ToUpper(c.Query("sipMethod", "REFER"))
	if method == fiber.MethodGet {
		return cc.status(c, ctx, cc.Agent.Key(agent, callerAddr, calleeAddr), sipMethod == "INVITE")
	}
	if sipMethod != "REFER" && sipMethod != "INVITE" {
		return ccError(c, 406, 406, "Call Setup Method "+c.Query("sipMethod")+" not supported")
	}
	req := sip.CallRequest{Agent: agent, Caller: callerAddr, Callee: calleeAddr, Method: sipMethod,
		Forwarding: c.Query("isForwardingAllowed") == "true"}
	var ok bool
	if req.Timeout, ok = seconds(c, "timeout"); !ok {
		return ccError(c, 400, 400, "Bad parameter timeout = "+c.Query("timeout"))
	}
	if req.CacheTime, ok = seconds(c, "resultCacheTime"); !ok {
		return ccError(c, 400, 400, "Bad parameter resultCacheTime = "+c.Query("resultCacheTime"))
	}
	if s := c.Query("subject"); s != "" {
		if err := sip.CheckHeaderText(s); err != nil {
			return ccError(c, 400, 400, "Bad parameter subject: "+err.Error())
		}
		req.Subject = s
	}
	if p := c.Query("confpin"); p != "" {
		if err := sip.CheckConfPin(p); err != nil {
			return ccError(c, 400, 400, "Bad parameter confpin: "+err.Error())
		}
		req.ConfPin = p
	}
	switch action := c.Query("action", "call"); action {
	case "call":
		err = cc.Agent.Call(ctx, req)
	case "transfer":
		target := c.Query("target")
		if target == "" {
			return ccError(c, 400, 400, "Need a transfer target parameter")
		}
		targetAddr, terr := sip.NormalizeParty(target, domain)
		if terr != nil {
			return ccError(c, 400, 400, "Bad parameter target: "+reason(terr))
		}
		err = cc.Agent.Transfer(ctx, req, targetAddr)
	default:
		return ccError(c, 400, 400, "Unknown action "+action)
	}
	if cc.unavailable(c, err) {
		return nil
	}
	return ccResult(c, err)
}

// authorize applies spec §3: trusted host, agent lookup, then the agent's own credentials.
// It returns the agent, or (nil, nil) after writing the refusal.
func (cc *CallController) authorize(ctx context.Context, c *fiber.Ctx, agentName string) (*models.SIPUser, error) {
	peer := cc.Peer(c)
	isTrusted := cc.trusted(peer)
	if !isTrusted && !cc.RemoteAccess {
		return nil, plain(c, 403, "Remote access is not permitted")
	}
	agent, err := cc.Dir.LookupUser(ctx, agentName)
	if errors.Is(err, models.ErrNotFound) {
		status := 403
		if _, _, isBasic, _ := acl.ParseBasic(c.Get(fiber.HeaderAuthorization)); isBasic && !isTrusted {
			status = 401
		}
		return nil, plain(c, status, "User Not found "+agentName)
	}
	if err != nil {
		return nil, err
	}
	if isTrusted {
		return agent, nil
	}
	principal, ok := cc.authenticate(ctx, c)
	if !ok {
		return nil, nil
	}
	if principal.ID != agent.ID {
		return nil, plain(c, 403, "Agent does not match principal")
	}
	return agent, nil
}

// authenticate checks the Basic (TLS only) or Digest credentials; on failure it writes the 401
// with the challenges and returns ok=false.
func (cc *CallController) authenticate(ctx context.Context, c *fiber.Ctx, basicAlways ...bool) (*models.SIPUser, bool) {
	allowBasic := cc.Secure(c) || (len(basicAlways) > 0 && basicAlways[0])
	user, _, err := cc.Auth.Authenticate(ctx, acl.AuthRequest{
		// The Digest uri is compared with the request-target as the client sent it.
		Method: c.Method(), URI: string(c.Request().Header.RequestURI()),
		Authorization: c.Get(fiber.HeaderAuthorization), TLS: allowBasic, Peer: cc.Peer(c),
	})
	if err == nil {
		return user, true
	}
	var ae *acl.AuthError
	var th *acl.Throttled
	switch {
	case errors.As(err, &th):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(th.Seconds()))
		_ = plain(c, fiber.StatusTooManyRequests, th.Error())
		return nil, false
	case errors.Is(err, acl.ErrChecksBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		_ = plain(c, fiber.StatusServiceUnavailable, "too many logins are being checked: retry later")
		return nil, false
	case cc.unavailable(c, err):
		return nil, false
	case !errors.As(err, &ae):
		_ = plain(c, 500, "authentication failed")
		return nil, false
	}
	if ae.Status == 401 {
		for _, h := range cc.Auth.Challenges(allowBasic, ae.Stale) {
			c.Response().Header.Add(fiber.HeaderWWWAuthenticate, h)
		}
	}
	_ = plain(c, ae.Status, ae.Text)
	return nil, false
}

// MyCall answers PUT/GET /sipxconfig/rest/my/call/{to} (sipx-rest §6.1).
func (cc *CallController) MyCall(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPut, fiber.MethodGet:
	case fiber.MethodOptions:
		c.Status(200)
		return nil
	default:
		c.Set(fiber.HeaderAllow, "GET, PUT, OPTIONS")
		c.Status(fiber.StatusMethodNotAllowed)
		return nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	user, ok := cc.authenticate(ctx, c, true)
	if !ok {
		return nil
	}
	to, err := url.PathUnescape(c.Params("to"))
	if err != nil {
		return sipxError(c, 400, "the destination is not URL-encoded correctly", "BadRequest")
	}
	to = strings.Map(func(r rune) rune {
		if strings.ContainsRune("[](){}.-", r) {
			return -1
		}
		return r
	}, to)
	if strings.HasPrefix(strings.ToLower(to), "sip:") {
		// A full SIP address keeps its dots.
		to, _ = url.PathUnescape(c.Params("to"))
	}
	if to == "" {
		return sipxError(c, 400, "the destination is empty", "BadRequest")
	}
	callee, err := sip.NormalizeParty(to, cc.Agent.Domain())
	if err != nil {
		return sipxError(c, 400, reason(err), "BadRequest")
	}
	caller := user.UserName + "@" + cc.Agent.Domain()
	err = cc.Agent.Call(ctx, sip.CallRequest{Agent: user, Caller: caller, Callee: callee, Method: "REFER",
		Timeout: defaultTimeout * time.Second, CacheTime: defaultTimeout * time.Second, Forwarding: cc.MyCallForwarding})
	var ce *sip.CallError
	if errors.As(err, &ce) {
		return sipxError(c, 500, ce.Text, "NoSipCredentials")
	}
	if cc.unavailable(c, err) {
		return nil
	}
	if err != nil {
		return sipxError(c, 500, "the call could not be started", "InternalError")
	}
	c.Status(200)
	return nil
}

func sipxError(c *fiber.Ctx, status int, msg, typ string) error {
	b, _ := EncodeJSON(map[string]string{"error": msg, "type": typ})
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

func reason(err error) string {
	var pe *sip.PartyError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return err.Error()
}

// seconds reads timeout/resultCacheTime: a whole number of seconds from 0 to 3600.
func seconds(c *fiber.Ctx, name string) (time.Duration, bool) {
	v := c.Query(name)
	if v == "" {
		return defaultTimeout * time.Second, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxTimer {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

func ccResult(c *fiber.Ctx, err error) error {
	var ce *sip.CallError
	switch {
	case err == nil:
		c.Status(200)
		return nil
	case errors.As(err, &ce):
		return ccError(c, ce.HTTP, ce.Code, ce.Text)
	default:
		return plain(c, 500, "the call could not be started")
	}
}

func plain(c *fiber.Ctx, status int, text string) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	return c.SendString(text)
}

// ccError writes the processing-status document of spec §4.4.
func ccError(c *fiber.Ctx, status, code int, text string) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<processing-status xmlns="` + ccNamespace + `">` + "\n")
	b.WriteString("<error-flag>ERROR</error-flag>\n")
	fmt.Fprintf(&b, "<error-code>%d</error-code>\n", code)
	b.WriteString("<error-text>")
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString("</error-text>\n</processing-status>\n")
	c.Status(status)
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.Send(b.Bytes())
}

// status writes the record's document (spec §4.3): status-lines for REFER mode, dialogs for
// INVITE mode; without a record, the empty document the GET's sipMethod asks for.
func (cc *CallController) status(c *fiber.Ctx, ctx context.Context, key string, inviteMode bool) error {
	rec, err := cc.Agent.Status(ctx, key)
	if cc.unavailable(c, err) {
		return nil
	}
	if err != nil {
		return plain(c, 500, "the call record could not be read")
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
	c.Status(200)
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.Send(b.Bytes())
}
