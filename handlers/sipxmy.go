package handlers

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"pbxws/models"
)

// The sipX "my" resources (sipx-rest.md §6): each acts for the authenticated user
// (Request.User), never for one a path names. view answers GET, edit answers PUT; a path
// parameter ({password}, {pin}) arrives as Request.ID.

// MyLoginDetails is GET /my/logindetails: what a softphone provisions itself with.
func MyLoginDetails(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.View(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			secret := ""
			for _, l := range c.Lines {
				if l.Protocol == "sip" && l.Secret != "" {
					secret = l.Secret
					break
				}
			}
			// pbxws has no IM server: no IM id, no LDAP IM authentication.
			return Object(SipxDoc{Root: "login-details", Value: SipxObject{{"userName", sipxUserName(c)},
				{"imId", ""}, {"ldapImAuth", false}, {"sipPassword", secret}}}), nil
		},
	}}
}

// MyTime is GET /my/time: the server's local time, for people (text/plain).
func MyTime(now func() time.Time) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(context.Context, *Request) (Result, error) {
			return Result{Text: []byte(now().Format("Mon Jan 2 15:04:05 MST 2006") + "\n"), TextType: "text/plain; charset=utf-8"}, nil
		},
	}}
}

// MyPortalPassword is PUT /my/portal/password/{password}: at least 8 characters; every
// Digest secret of the user follows.
func MyPortalPassword(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			if utf8.RuneCountInString(r.ID) < 8 {
				return Result{}, models.Invalid("password", "Password must be at least 8 characters long")
			}
			return Done(), st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				return &models.UserComposite{User: stored.User, Password: r.ID}, nil
			})
		},
	}}
}

// MyVoicemailPin is PUT /my/voicemail/pin/{pin}: 4 or more digits become the password of
// the user's voicemail box; a user without one gets 404.
func MyVoicemailPin(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			if len(r.ID) < 4 {
				return Result{}, models.Invalid("pin", "Voicemail PIN must be at least 4 characters long")
			}
			for _, ch := range r.ID {
				if ch < '0' || ch > '9' {
					return Result{}, models.Invalid("pin", "Voicemail PIN must contain only digits")
				}
			}
			return Done(), st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				if stored.Voicemail == nil {
					return nil, models.ErrNotFound
				}
				vm := *stored.Voicemail
				vm.Password = r.ID
				return &models.UserComposite{User: stored.User, Voicemail: &vm}, nil
			})
		},
	}}
}

// The call sequence's ring types as sipX names them.
const (
	ringSequential = "If no response"
	ringParallel   = "At the same time"
)

func ringType(r models.Ring) string {
	if r.Parallel {
		return ringParallel
	}
	return ringSequential
}

// decodeRings reads rings ({number, expiration, type, enabled}; other elements ignored)
// from a JSON array or the XML <rings><ring>… element.
func decodeRings(f fields, v any) []models.Ring {
	if v == nil {
		return []models.Ring{} // no rings: the sequence is emptied
	}
	items, ok := sipxItems(v, "ring")
	if !ok {
		f.fail("rings", "must be a list of rings")
		return nil
	}
	out := make([]models.Ring, 0, len(items))
	for i, it := range items {
		m, isObj := it.(map[string]any)
		rf := fields{m: m, prefix: fmt.Sprintf("rings[%d].", i), errs: f.errs}
		if !isObj {
			f.errs.Add(fmt.Sprintf("rings[%d]", i), "must be a ring: number, expiration, type, enabled")
			continue
		}
		r := models.Ring{Expiration: 30, Enabled: true}
		rf.strTrim("number", &r.Number)
		rf.integer("expiration", &r.Expiration)
		rf.boolean("enabled", &r.Enabled)
		var typ string
		if rf.strTrim("type", &typ) {
			switch typ {
			case ringSequential:
			case ringParallel:
				r.Parallel = true
			default:
				rf.fail("type", "must be \""+ringSequential+"\" or \""+ringParallel+"\"")
			}
		}
		out = append(out, r)
	}
	return out
}

func ringObjects(rs []models.Ring) SipxList {
	items := make([]any, len(rs))
	for i, r := range rs {
		items[i] = SipxObject{{"expiration", r.Expiration}, {"type", ringType(r)}, {"enabled", r.Enabled}, {"number", r.Number}}
	}
	return SipxList{Item: "ring", Items: items}
}

// MyForward is /my/forward (§6.2): GET the call sequence, PUT replaces its rings and the
// seconds the user's own phones ring first (XiVO's ringseconds: 0 to 60, by 5).
func MyForward(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.View(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			return Object(SipxDoc{Root: "call-sequence", Value: SipxObject{{"rings", ringObjects(c.Rings)},
				{"expiration", c.User.RingSeconds}, {"withVoicemail", c.User.EnableVoicemail}}}), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			top := newFields(body, "", errs)
			seq, ok := top.object("call-sequence")
			if !ok {
				errs.Add("call-sequence", "is required: the body is a <call-sequence> element")
				return Result{}, errs
			}
			f := fields{m: seq, errs: errs}
			rings := decodeRings(f, seq["rings"])
			var expiration int
			hasExp := f.integer("expiration", &expiration)
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			return Done(), WireErrors(st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				c := &models.UserComposite{User: stored.User, Rings: rings}
				if hasExp {
					c.User.RingSeconds = expiration
				}
				return c, nil
			}), sipxForwardNames.Field)
		},
	}}
}

// MyCallForwarding is /my/callfwd (§6.3, JSON only, no root): rings, expiration and withVM,
// the voicemail fallback.
func MyCallForwarding(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.View(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			rings := make([]map[string]any, len(c.Rings))
			for i, g := range c.Rings {
				rings[i] = map[string]any{"expiration": g.Expiration, "type": ringType(g), "enabled": g.Enabled, "number": g.Number}
			}
			return Result{JSON: map[string]any{"rings": rings, "withVM": c.User.ForwardVoicemail, "expiration": c.User.RingSeconds}}, nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f := newFields(body, "", errs)
			var rings []models.Ring
			if v, ok := body["rings"]; ok {
				rings = decodeRings(f, v)
			}
			var expiration int
			hasExp := f.integer("expiration", &expiration)
			var withVM bool
			hasVM := f.boolean("withVM", &withVM)
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			return Done(), WireErrors(st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				c := &models.UserComposite{User: stored.User, Rings: rings}
				if hasExp {
					c.User.RingSeconds = expiration
				}
				if hasVM {
					c.ForwardVoicemail = &withVM
				}
				return c, nil
			}), sipxForwardNames.Field)
		},
	}}
}

var sipxForwardNames = names(map[string]string{}, map[string]string{"user.ring_seconds": "expiration"})
