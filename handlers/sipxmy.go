package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
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
			return Object(SipxDoc{Root: "login-details", Value: SipxObject{{Name: "userName", Value: sipxUserName(c)},
				{Name: "imId", Value: ""}, {Name: "ldapImAuth", Value: false}, {Name: "sipPassword", Value: secret}}}), nil
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
// the user's voicemail box, for a user with the permission TUI_CHANGE_PIN (on by default);
// a user without a box gets 404.
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
			if ok, err := st.Permissions.Allowed(ctx, r.User, "TUI_CHANGE_PIN"); err != nil || !ok {
				if err == nil {
					err = &ForbiddenError{Msg: "the permission TUI_CHANGE_PIN is off for this user"}
				}
				return Result{}, err
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
		// scheduleId (JSON /my/callfwd): a schedule the user may not use leaves the ring
		// unlimited, as sipX did.
		r.ScheduleID = optional(rf.integer, "scheduleId")
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
		items[i] = SipxObject{{Name: "expiration", Value: r.Expiration}, {Name: "type", Value: ringType(r)}, {Name: "enabled", Value: r.Enabled}, {Name: "number", Value: r.Number}}
	}
	return SipxList{Item: "ring", Items: items}
}

// MyForward is /my/forward (§6.2): GET the call sequence, PUT replaces its rings and the
// seconds the user's own phones ring first (XiVO's ringseconds: 0 to 60, by 5).
func MyForward(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.ViewAll(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			return Object(SipxDoc{Root: "call-sequence", Value: SipxObject{{Name: "rings", Value: ringObjects(c.Rings)},
				{Name: "expiration", Value: c.User.RingSeconds}, {Name: "withVoicemail", Value: c.User.EnableVoicemail}}}), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f, ok := sipxRoot(body, "call-sequence", errs)
			if !ok {
				return Result{}, errs
			}
			rings := decodeRings(f, f.m["rings"])
			expiration := optional(f.integer, "expiration")
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			return Done(), editForwarding(ctx, st, r.User, rings, expiration, nil)
		},
	}}
}

// MyCallForwarding is /my/callfwd (§6.3, JSON only, no root): rings, expiration and withVM,
// the voicemail fallback.
func MyCallForwarding(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.ViewAll(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			rings := make([]map[string]any, len(c.Rings))
			for i, g := range c.Rings {
				rings[i] = map[string]any{"expiration": g.Expiration, "type": ringType(g), "enabled": g.Enabled, "number": g.Number}
				if g.ScheduleID != nil {
					rings[i]["scheduleId"] = *g.ScheduleID
				}
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
			expiration, withVM := optional(f.integer, "expiration"), optional(f.boolean, "withVM")
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			return Done(), editForwarding(ctx, st, r.User, rings, expiration, withVM)
		},
	}}
}

// optional reads a field with read (fields.integer, fields.boolean): nil when absent.
func optional[T any](read func(string, *T) bool, key string) *T {
	var v T
	if !read(key, &v) {
		return nil
	}
	return &v
}

// editForwarding changes a user's call sequence (rings, nil to keep), the seconds the
// user's own phones ring first and the voicemail fallback (nil: kept), in the users store's
// locked edit.
func editForwarding(ctx context.Context, st *models.Stores, user int, rings []models.Ring, expiration *int, voicemail *bool) error {
	return WireErrors(st.Users.Edit(ctx, user, func(stored *models.UserComposite) (*models.UserComposite, error) {
		c := &models.UserComposite{User: stored.User, Rings: rings, ForwardVoicemail: voicemail}
		if expiration != nil {
			c.User.RingSeconds = *expiration
		}
		return c, nil
	}), sipxForwardNames.Field)
}

var sipxForwardNames = names(map[string]string{}, map[string]string{"user.ring_seconds": "expiration"})

// sipxAddress is an address object, nil when it holds nothing.
func sipxAddress(a *models.Address) any {
	if a == nil || *a == (models.Address{}) {
		return nil
	}
	o := SipxObject{}
	for _, f := range []SipxField{{Name: "street", Value: a.Street}, {Name: "city", Value: a.City}, {Name: "country", Value: a.Country},
		{Name: "state", Value: a.State}, {Name: "zip", Value: a.Zip}, {Name: "officeDesignation", Value: a.OfficeDesignation}} {
		o.add(f.Name, optText(f.Value.(string)))
	}
	return o
}

// optText is nil for "" (omitted), else the text.
func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// contactFields are the profile's text fields as sipX names them, in the answer's order
// around the addresses and flags (§6.10); ro marks those the user's own PUT keeps.
var contactFields = []struct {
	wire string
	get  func(*models.UserProfile) *string
	ro   bool
}{
	{"jobTitle", func(p *models.UserProfile) *string { return &p.JobTitle }, false},
	{"jobDept", func(p *models.UserProfile) *string { return &p.JobDept }, false},
	{"companyName", func(p *models.UserProfile) *string { return &p.CompanyName }, false},
	{"assistantName", func(p *models.UserProfile) *string { return &p.AssistantName }, false},
	{"location", func(p *models.UserProfile) *string { return &p.Location }, false},
	{"cellPhoneNumber", func(p *models.UserProfile) *string { return &p.CellPhoneNumber }, false},
	{"homePhoneNumber", func(p *models.UserProfile) *string { return &p.HomePhoneNumber }, false},
	{"assistantPhoneNumber", func(p *models.UserProfile) *string { return &p.AssistantPhoneNumber }, false},
	{"faxNumber", func(p *models.UserProfile) *string { return &p.FaxNumber }, false},
	{"didNumber", func(p *models.UserProfile) *string { return &p.DidNumber }, false},
	{"imDisplayName", func(p *models.UserProfile) *string { return &p.ImDisplayName }, false},
	{"alternateImId", func(p *models.UserProfile) *string { return &p.AlternateImID }, false},
	{"emailAddress", func(p *models.UserProfile) *string { return &p.EmailAddress }, false},
	{"alternateEmailAddress", func(p *models.UserProfile) *string { return &p.AlternateEmailAddress }, false},
	{"manager", func(p *models.UserProfile) *string { return &p.Manager }, true},
	{"salutation", func(p *models.UserProfile) *string { return &p.Salutation }, true},
	{"employeeId", func(p *models.UserProfile) *string { return &p.EmployeeID }, true},
	{"twiterName", func(p *models.UserProfile) *string { return &p.TwitterName }, false},
	{"linkedinName", func(p *models.UserProfile) *string { return &p.LinkedinName }, false},
	{"facebookName", func(p *models.UserProfile) *string { return &p.FacebookName }, false},
	{"xingName", func(p *models.UserProfile) *string { return &p.XingName }, false},
	{"avatar", func(p *models.UserProfile) *string { return &p.Avatar }, false},
	{"custom1", func(p *models.UserProfile) *string { return &p.Custom1 }, false},
	{"custom2", func(p *models.UserProfile) *string { return &p.Custom2 }, false},
	{"custom3", func(p *models.UserProfile) *string { return &p.Custom3 }, false},
}

func contactText(p *models.UserProfile, wire string) any {
	for _, f := range contactFields {
		if f.wire == wire {
			return optText(*f.get(p))
		}
	}
	return nil
}

func contactDoc(ci *models.ContactInfo) SipxDoc {
	p := &ci.Profile
	o := SipxObject{}
	for _, n := range []string{"jobTitle", "jobDept", "companyName", "assistantName", "location"} {
		o.add(n, contactText(p, n))
	}
	o.add("homeAddress", sipxAddress(p.HomeAddress))
	o.add("officeAddress", sipxAddress(p.OfficeAddress))
	branchName := any(nil)
	if b := ci.Branch; b != nil {
		o.add("branchAddress", sipxAddress(&models.Address{Street: b.Address1, City: b.City, Country: b.Country,
			State: b.State, Zip: b.Zipcode, OfficeDesignation: b.Address2}))
		branchName = b.Name
	}
	for _, n := range []string{"cellPhoneNumber", "homePhoneNumber", "assistantPhoneNumber", "faxNumber", "didNumber"} {
		o.add(n, contactText(p, n))
	}
	o.add("imId", "") // pbxws has no IM server: the IM account is off
	for _, n := range []string{"imDisplayName", "alternateImId", "emailAddress", "alternateEmailAddress"} {
		o.add(n, contactText(p, n))
	}
	o.add("useBranchAddress", p.UseBranchAddress)
	o.add("branchName", branchName)
	for _, n := range []string{"manager", "salutation", "employeeId", "twiterName", "linkedinName", "facebookName", "xingName"} {
		o.add(n, contactText(p, n))
	}
	if !ci.Updated.IsZero() {
		o.add("timestamp", int(ci.Updated.UnixMilli()))
	}
	o.add("avatar", contactText(p, "avatar"))
	o.add("enabled", ci.Enabled)
	o.add("ldapManaged", false)
	for _, n := range []string{"custom1", "custom2", "custom3"} {
		o.add(n, contactText(p, n))
	}
	o.add("firstName", ci.FirstName)
	o.add("lastName", ci.LastName)
	return SipxDoc{Root: "contact-information", Value: o}
}

var sipxContactNames = func() wireNames {
	paths := map[string]string{"user.first_name": "firstName", "user.last_name": "lastName",
		"profile.home_address": "homeAddress", "profile.office_address": "officeAddress"}
	for _, f := range contactFields {
		paths["profile."+models.FieldName(strings.ToUpper(f.wire[:1])+f.wire[1:])] = f.wire
	}
	paths["profile.twitter_name"] = "twiterName"
	paths["profile.alternate_im_id"] = "alternateImId"
	parts := map[string]string{"profile": "", "home_address": "homeAddress", "office_address": "officeAddress",
		"office_designation": "officeDesignation"}
	return names(parts, paths)
}()

// decodeAddress applies an address object onto *a (created when absent).
func decodeAddress(f fields, key string, a **models.Address) {
	m, ok := f.object(key)
	if !ok {
		return
	}
	if *a == nil {
		*a = &models.Address{}
	}
	af := f.sub(key, m)
	af.str("street", &(*a).Street)
	af.str("city", &(*a).City)
	af.str("country", &(*a).Country)
	af.str("state", &(*a).State)
	af.str("zip", &(*a).Zip)
	af.str("officeDesignation", &(*a).OfficeDesignation)
}

// mine is a sipX object each user has one of: GET views it, PUT applies the body's root
// object onto it inside the store's locked edit, and renames the refused fields.
type mine[T any] struct {
	root   string
	get    func(ctx context.Context, user int) (*T, error)
	edit   func(ctx context.Context, user int, merge func(*T) (*T, error)) error
	view   func(ctx context.Context, r *Request, v *T) (any, error)
	decode func(f fields, v *T)
	names  wireNames
}

func (m mine[T]) resource() *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			v, err := m.get(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			doc, err := m.view(ctx, r, v)
			return Object(doc), err
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f, ok := sipxRoot(body, m.root, errs)
			if !ok {
				return Result{}, errs
			}
			err = m.edit(ctx, r.User, func(v *T) (*T, error) {
				m.decode(f, v)
				return v, errs.OrNil()
			})
			return Done(), WireErrors(err, m.names.Field)
		},
	}}
}

// MyContactInformation is /my/contact-information (§6.10): the user's profile and names.
// A PUT changes what it names; imId, salutation, manager, employeeId, enabled and
// ldapManaged are kept whatever it says.
func MyContactInformation(st *models.Stores) *Resource {
	return mine[models.ContactInfo]{root: "contact-information", get: st.Users.ContactInfo, edit: st.Users.EditContactInfo,
		names: sipxContactNames,
		view:  func(_ context.Context, _ *Request, ci *models.ContactInfo) (any, error) { return contactDoc(ci), nil },
		decode: func(f fields, ci *models.ContactInfo) {
			p := &ci.Profile
			for _, cf := range contactFields {
				if !cf.ro {
					f.str(cf.wire, cf.get(p))
				}
			}
			f.str("twitterName", &p.TwitterName)
			decodeAddress(f, "homeAddress", &p.HomeAddress)
			decodeAddress(f, "officeAddress", &p.OfficeAddress)
			f.boolean("useBranchAddress", &p.UseBranchAddress)
			f.strTrim("firstName", &ci.FirstName)
			f.strTrim("lastName", &ci.LastName)
		},
	}.resource()
}

// MyKeepAlive is GET /my/keepalive: 200, for clients that keep a session warm.
func MyKeepAlive() *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(context.Context, *Request) (Result, error) { return Done(), nil },
	}}
}

// greetings are the active greetings a mailbox may play; anything else stores "none".
var greetings = map[string]bool{"none": true, "standard": true, "outofoffice": true, "extendedabsence": true}

// MyActiveGreeting is /my/mailbox/{user}/preferences/activegreeting[/{greeting}]: PUT with
// a greeting sets it (anything unknown stores "none"), GET without one answers the active
// greeting (<activegreeting>…</activegreeting>). {user} (PathParams) must be the
// authenticated user, unless that user is an administrator.
func MyActiveGreeting(st *models.Stores) *Resource {
	mailbox := func(ctx context.Context, r *Request) (int, error) {
		name := r.PathParams["user"]
		if name == "" {
			return r.User, nil
		}
		u, err := st.Users.ByLogin(ctx, name)
		if err != nil {
			return 0, err
		}
		if u != r.User && !r.Admin {
			return 0, &ForbiddenError{Msg: "the mailbox of " + name + " is not yours"}
		}
		return u, nil
	}
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			target, err := mailbox(ctx, r)
			if err != nil {
				return Result{}, err
			}
			p, err := st.Users.VoicemailPrefs(ctx, target)
			if err != nil {
				return Result{}, err
			}
			return Object(SipxDoc{Root: "activegreeting", Value: p.Greeting}), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			target, err := mailbox(ctx, r)
			if err != nil {
				return Result{}, err
			}
			greeting := r.ID
			if !greetings[greeting] {
				greeting = "none"
			}
			return Done(), st.Users.EditVoicemailPrefs(ctx, target, func(p *models.VoicemailPrefs) (*models.VoicemailPrefs, error) {
				p.Greeting = greeting
				return p, nil
			})
		},
	}}
}

// MyVoicemailPrefs is /my/vmprefs: GET the box's preferences, PUT changes what it names.
func MyVoicemailPrefs(st *models.Stores) *Resource {
	return mine[models.VoicemailPrefs]{root: "vmprefs", get: st.Users.VoicemailPrefs, edit: st.Users.EditVoicemailPrefs,
		names: sipxVMNames,
		view: func(ctx context.Context, r *Request, p *models.VoicemailPrefs) (any, error) {
			allowed, err := st.Permissions.Allowed(ctx, r.User, "Voicemail")
			attach := map[bool]string{true: "yes", false: "no"}[p.Attach]
			o := SipxObject{{Name: "voicemailPermission", Value: allowed}, {Name: "emailformat", Value: optText(p.EmailFormat)},
				{Name: "altEmailFormat", Value: optText(p.AltEmailFormat)}, {Name: "greeting", Value: p.Greeting}, {Name: "emailAttachType", Value: attach},
				{Name: "emailIncludeAudioAttachment", Value: p.Attach}}
			o.add("email", optText(p.Email))
			return SipxDoc{Root: "vmprefs", Value: o}, err
		},
		decode: func(f fields, p *models.VoicemailPrefs) {
			f.strTrim("emailformat", &p.EmailFormat)
			f.strTrim("altEmailFormat", &p.AltEmailFormat)
			f.strTrim("greeting", &p.Greeting)
			f.strTrim("email", &p.Email)
			var attach string
			if f.strTrim("emailAttachType", &attach) {
				switch attach {
				case "yes":
					p.Attach = true
				case "no":
					p.Attach = false
				default:
					f.fail("emailAttachType", "must be yes or no")
				}
			}
			f.boolean("emailIncludeAudioAttachment", &p.Attach)
		},
	}.resource()
}

var sipxVMNames = names(map[string]string{"voicemail": ""}, map[string]string{
	"voicemail.email_format": "emailformat", "voicemail.alt_email_format": "altEmailFormat",
	"voicemail.greeting": "greeting", "voicemail.email": "email"})

// Avatar is GET /avatar/{user} (anyone may ask): a redirect to the picture the user's
// profile names (an http or https URL); 404 when it names none. pbxws keeps no pictures.
func Avatar(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			id, err := st.Users.ByLogin(ctx, r.ID)
			if err != nil {
				return Result{}, err
			}
			ci, err := st.Users.ContactInfo(ctx, id)
			if err != nil {
				return Result{}, err
			}
			u := ci.Profile.Avatar
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				return Result{}, models.ErrNotFound
			}
			return Result{Status: http.StatusFound, Header: http.Header{"Location": {u}}}, nil
		},
	}}
}
