package handlers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"pbxws/models"
)

// userWire is a user as json.php lists it (the userfeatures row). Typing follows the
// original: ids integers, enable* flags booleans, other columns strings or null. The portal
// password is never revealed: passwdclient is always "".
type userWire struct {
	ID                   int     `json:"id"`
	EntityID             int     `json:"entityid"`
	CTIProfileID         *int    `json:"cti_profile_id"`
	FirstName            string  `json:"firstname"`
	LastName             string  `json:"lastname"`
	Fullname             string  `json:"fullname"`
	Identity             string  `json:"identity"`
	CallerID             string  `json:"callerid"`
	VoicemailID          *string `json:"voicemailid"`
	VoicemailType        *string `json:"voicemailtype"`
	AgentID              *int    `json:"agentid"`
	PictureID            *int    `json:"pictureid"`
	RingSeconds          string  `json:"ringseconds"`
	SimultCalls          string  `json:"simultcalls"`
	EnableClient         bool    `json:"enableclient"`
	LoginClient          string  `json:"loginclient"`
	PasswdClient         string  `json:"passwdclient"`
	EnableHint           bool    `json:"enablehint"`
	EnableVoicemail      bool    `json:"enablevoicemail"`
	EnableXfer           bool    `json:"enablexfer"`
	EnableAutomon        bool    `json:"enableautomon"`
	CallRecord           bool    `json:"callrecord"`
	IncallFilter         bool    `json:"incallfilter"`
	EnableDND            bool    `json:"enablednd"`
	EnableUNC            bool    `json:"enableunc"`
	DestUNC              string  `json:"destunc"`
	EnableRNA            bool    `json:"enablerna"`
	DestRNA              string  `json:"destrna"`
	EnableBusy           bool    `json:"enablebusy"`
	DestBusy             string  `json:"destbusy"`
	MusicOnHold          string  `json:"musiconhold"`
	OutCallerID          string  `json:"outcallerid"`
	MobilePhoneNumber    string  `json:"mobilephonenumber"`
	UserField            string  `json:"userfield"`
	BSFilter             string  `json:"bsfilter"`
	PreprocessSubroutine *string `json:"preprocess_subroutine"`
	Timezone             string  `json:"timezone"`
	Language             string  `json:"language"`
	RingIntern           string  `json:"ringintern"`
	RingExtern           string  `json:"ringextern"`
	RingGroup            string  `json:"ringgroup"`
	RingForward          string  `json:"ringforward"`
	RightCallCode        string  `json:"rightcallcode"`
	Commented            bool    `json:"commented"`
	Description          string  `json:"description"`
}

func userToWire(u *models.User) userWire {
	w := userWire{
		ID: u.ID, EntityID: u.EntityID, CTIProfileID: u.CTIProfileID, FirstName: u.FirstName,
		LastName: u.LastName, Fullname: u.Fullname(), Identity: u.Fullname(), CallerID: u.CallerID,
		VoicemailType: u.VoicemailType, AgentID: u.AgentID, PictureID: u.PictureID,
		RingSeconds: strconv.Itoa(u.RingSeconds), SimultCalls: strconv.Itoa(u.SimultCalls),
		EnableClient: u.EnableClient, EnableHint: u.EnableHint, EnableVoicemail: u.EnableVoicemail,
		EnableXfer: u.EnableXfer, EnableAutomon: u.EnableAutomon, CallRecord: u.CallRecord,
		IncallFilter: u.IncallFilter, EnableDND: u.EnableDND, EnableUNC: u.EnableUNC,
		DestUNC: u.DestUNC, EnableRNA: u.EnableRNA, DestRNA: u.DestRNA, EnableBusy: u.EnableBusy,
		DestBusy: u.DestBusy, MusicOnHold: u.MusicOnHold, OutCallerID: u.OutCallerID,
		MobilePhoneNumber: u.MobilePhoneNumber, UserField: u.UserField, BSFilter: u.BSFilter,
		PreprocessSubroutine: u.PreprocessSubroutine, Timezone: u.Timezone, Language: u.Language,
		RingIntern: u.RingIntern, RingExtern: u.RingExtern, RingGroup: u.RingGroup,
		RingForward: u.RingForward, RightCallCode: u.RightCallCode, Commented: u.Commented,
		Description: u.Description,
	}
	if u.LoginClient != nil {
		w.LoginClient = *u.LoginClient
	}
	if u.VoicemailID != nil {
		s := strconv.Itoa(*u.VoicemailID)
		w.VoicemailID = &s
	}
	return w
}

// falseOr is the XiVO habit: an absent part is `false`, not null or missing.
func falseOr[T any](items []T) any {
	if len(items) == 0 {
		return false
	}
	return items
}

func voicemailToWire(vm *models.Voicemail) jsonObject {
	return jsonObject{{"uniqueid", vm.ID}, {"context", vm.Context}, {"mailbox", vm.Mailbox},
		{"fullname", vm.Fullname}, {"password", vm.Password}, {"email", vm.Email}, {"pager", vm.Pager},
		{"tz", vm.TZ}, {"language", vm.Language}, {"attach", vm.Attach},
		{"deletevoicemail", vm.DeleteVoicemail}, {"commented", vm.Commented}}
}

// userFeatures renders a user row as userWire would encode, without reflection.
type userFeatures struct{ u *models.User }

func (f userFeatures) AppendPHPJSON(b []byte) []byte { return appendUser(b, f.u) }

// userView is the composite json.php `view` answers.
func userView(c *models.UserComposite) jsonObject {
	uid := c.User.ID
	out := newObject(13)
	out.set("userfeatures", userFeatures{&c.User})
	out.set("picture", false)
	lines := make([]jsonObject, len(c.Lines))
	for i := range c.Lines {
		lines[i] = lineToWire(&c.Lines[i], c.Lines[i].Registered)
	}
	out.set("linefeatures", falseOr(lines))
	out.set("schedule_id", c.User.ScheduleID)
	if c.Entity != nil {
		ctxs := make([]jsonObject, len(c.EntityCtxs))
		for i, n := range c.EntityCtxs {
			ctxs[i] = jsonObject{{"name", n}}
		}
		out.set("entity", jsonObject{{"context", falseOr(ctxs)}, {"deletable", false},
			{"entity", entityToWire(*c.Entity)}})
	}
	if c.Voicemail != nil {
		out.set("voicemail", voicemailToWire(c.Voicemail))
		out.set("voicemailfeatures", jsonObject{{"skipcheckpass", c.Voicemail.SkipCheckPass}})
	} else {
		out.set("voicemail", false)
		out.set("voicemailfeatures", false)
	}
	var groups, queues []jsonObject
	for _, m := range c.Members {
		row := newObject(7)
		row.set("category", m.Category)
		row.set("name", m.Name)
		row.set("penalty", strconv.Itoa(m.Penalty))
		row.set("position", m.Position)
		row.set("usertype", "user")
		row.set("userid", uid)
		if m.Category == "group" {
			row.set("groupfeaturesid", m.QueueID)
			groups = append(groups, row)
		} else {
			row.set("queuefeaturesid", m.QueueID)
			queues = append(queues, row)
		}
	}
	out.set("groupmember", falseOr(groups))
	out.set("queuemember", falseOr(queues))
	out.set("rightcall", rightCallsView("user", uid, c.RightCalls))
	out.set("dialaction", dialActionsView("user", uid, c.DialActions))
	keys := make([]jsonObject, len(c.FuncKeys))
	for i, k := range c.FuncKeys {
		keys[i] = jsonObject{{"iduserfeatures", uid}, {"fknum", k.FKNum}, {"type", k.Type},
			{"typeval", k.TypeVal}, {"label", k.Label}, {"supervision", k.Supervision}, {"progfunckey", k.ProgFunckey}}
	}
	out.set("phonefunckey", falseOr(keys))
	return out
}

// userEvents are the dial-action events a user has.
var userEvents = map[string]bool{"noanswer": true, "busy": true, "congestion": true, "chanunavail": true}

// decodeUser applies an add/edit body onto c (defaults on add, the stored composite on edit);
// stored are the user's lines as stored (nil on add).
func decodeUser(body map[string]any, c *models.UserComposite, stored []models.Line) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	uf, ok := top.object("userfeatures")
	if !ok {
		if c.User.ID == 0 {
			errs.Add("userfeatures", "is required")
		}
		uf = map[string]any{}
	}
	f := top.sub("userfeatures", uf)
	u := &c.User
	f.strTrim("firstname", &u.FirstName)
	f.strTrim("lastname", &u.LastName)
	f.integer("entityid", &u.EntityID)
	f.integer("ringseconds", &u.RingSeconds)
	f.integer("simultcalls", &u.SimultCalls)
	var login string
	if f.strTrim("loginclient", &login) {
		u.LoginClient = &login
	}
	f.str("passwdclient", &c.Password)
	f.boolean("enableclient", &u.EnableClient)
	f.boolean("enablehint", &u.EnableHint)
	f.boolean("enablexfer", &u.EnableXfer)
	f.boolean("enableautomon", &u.EnableAutomon)
	f.boolean("callrecord", &u.CallRecord)
	f.boolean("incallfilter", &u.IncallFilter)
	f.boolean("enablednd", &u.EnableDND)
	f.boolean("enableunc", &u.EnableUNC)
	f.strTrim("destunc", &u.DestUNC)
	f.boolean("enablerna", &u.EnableRNA)
	f.strTrim("destrna", &u.DestRNA)
	f.boolean("enablebusy", &u.EnableBusy)
	f.strTrim("destbusy", &u.DestBusy)
	f.strTrim("musiconhold", &u.MusicOnHold)
	f.strTrim("outcallerid", &u.OutCallerID)
	f.strTrim("mobilephonenumber", &u.MobilePhoneNumber)
	f.str("userfield", &u.UserField)
	f.strTrim("bsfilter", &u.BSFilter)
	var pre string
	if f.strTrim("preprocess_subroutine", &pre) {
		u.PreprocessSubroutine = &pre
		if pre == "" {
			u.PreprocessSubroutine = nil
		}
	}
	f.strTrim("timezone", &u.Timezone)
	f.strTrim("language", &u.Language)
	f.str("ringintern", &u.RingIntern)
	f.str("ringextern", &u.RingExtern)
	f.str("ringgroup", &u.RingGroup)
	f.str("ringforward", &u.RingForward)
	f.strTrim("rightcallcode", &u.RightCallCode)
	f.boolean("commented", &u.Commented)
	f.str("description", &u.Description)
	f.optInt("cti_profile_id", &u.CTIProfileID)
	var admin bool
	if f.boolean("admin", &admin) {
		c.Admin = &admin // the sipX ADMIN role; not part of XiVO's userfeatures answers
	}
	var profile string
	if f.strTrim("profileclient", &profile) && profile != "" {
		c.CTIProfileName = &profile // the store resolves the name
	}
	// agentid is not read: an agent's user-select links its users (settings/agents), so a
	// user body (a view posted back, say) neither links nor unlinks the user.
	top.integer("schedule_id", &u.ScheduleID)

	if lf, present := body["linefeatures"]; present && lf != nil && lf != false {
		rows, ok := lineRows(lf)
		if !ok {
			errs.Add("linefeatures", "must be an array of line objects or an object of per-line arrays")
		} else {
			c.Lines = make([]models.Line, len(rows))
			for i, row := range rows {
				lfF := fields{m: row, prefix: fmt.Sprintf("linefeatures[%d].", i), errs: errs}
				id := 0
				lfF.integer("id", &id)
				l := newLine()
				if id != 0 {
					own := ownLine(stored, id)
					if own == nil {
						// Another line: the store applies the change over it as stored.
						probe := newLine()
						applyLine(&probe, lfF) // type errors are reported now
						row, prefix := row, lfF.prefix
						c.Lines[i] = models.Line{ID: id, Merge: func(l *models.Line) error {
							errs := &models.ValidationError{}
							applyLine(l, fields{m: row, prefix: prefix, errs: errs})
							return errs.OrNil()
						}}
						continue
					}
					l = *own
				}
				applyLine(&l, lfF)
				c.Lines[i] = l
			}
		}
	}
	if vmBody, ok := top.object("voicemail"); ok {
		if err := decodeVoicemail(top.sub("voicemail", vmBody), c, stored); err != nil {
			errs.Merge("", err)
		}
	}
	if vf, ok := top.object("voicemailfeatures"); ok && c.Voicemail != nil {
		top.sub("voicemailfeatures", vf).boolean("skipcheckpass", &c.Voicemail.SkipCheckPass)
	}
	if das, ok := top.object("dialaction"); ok {
		c.DialActions = decodeDialActions(top.sub("dialaction", das), userEvents)
	}
	if rc, ok := decodeRightCalls(top); ok {
		c.RightCalls = rc
	}
	if fk, present := body["phonefunckey"]; present && fk != nil && fk != false {
		rows, ok := lineRows(fk)
		if !ok {
			errs.Add("phonefunckey", "must be an array of key objects or an object of per-key arrays")
		} else {
			c.FuncKeys = make([]models.FuncKey, 0, len(rows))
			for i, row := range rows {
				kf := fields{m: row, prefix: fmt.Sprintf("phonefunckey[%d].", i), errs: errs}
				k := models.FuncKey{FKNum: i + 1}
				kf.integer("fknum", &k.FKNum)
				kf.str("type", &k.Type)
				kf.str("typeval", &k.TypeVal)
				kf.str("label", &k.Label)
				kf.boolean("supervision", &k.Supervision)
				kf.boolean("progfunckey", &k.ProgFunckey)
				c.FuncKeys = append(c.FuncKeys, k)
			}
		}
	}
	return errs.OrNil()
}

// ownLine is the user's stored line with that id, nil when it is not one of theirs.
func ownLine(own []models.Line, id int) *models.Line {
	for i := range own {
		if own[i].ID == id {
			l := own[i]
			return &l
		}
	}
	return nil
}

// lineRows accepts both shapes XiVO clients send for per-line data: the view's array of
// objects, and the column format {"field": [line0, line1, …]}. One entry per line.
func lineRows(v any) ([]map[string]any, bool) {
	switch t := v.(type) {
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, x := range t {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	case map[string]any:
		n, columns := 0, false
		for _, x := range t {
			if a, ok := x.([]any); ok {
				columns = true
				if len(a) > n {
					n = len(a)
				}
			}
		}
		if !columns {
			return []map[string]any{t}, true // a single line given as one object
		}
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a, ok := t[k].([]any)
			if !ok {
				return nil, false
			}
			for i, x := range a {
				out[i][k] = x
			}
		}
		return out, true
	}
	return nil, false
}

// applyVoicemail sets the voicemail box fields an object carries: a user's voicemail part,
// or a pbx_settings/voicemail body.
func applyVoicemail(f fields, vm *models.Voicemail) {
	f.strTrim("mailbox", &vm.Mailbox)
	f.str("fullname", &vm.Fullname)
	f.strTrim("password", &vm.Password)
	f.strTrim("email", &vm.Email)
	f.strTrim("context", &vm.Context)
	f.strTrim("tz", &vm.TZ)
	f.strTrim("language", &vm.Language)
	var attach bool
	if f.boolean("attach", &attach) {
		vm.Attach = &attach
	}
	f.boolean("deletevoicemail", &vm.DeleteVoicemail)
	f.boolean("skipcheckpass", &vm.SkipCheckPass)
}

// decodeVoicemail reads the user's voicemail part. xivo-ws sends name/number, the web
// interface fullname/mailbox: both are accepted. A box needs a context: its own, else the
// first line's.
func decodeVoicemail(f fields, c *models.UserComposite, stored []models.Line) *models.ValidationError {
	vm := &models.Voicemail{}
	if c.Voicemail != nil {
		cp := *c.Voicemail
		vm = &cp
	}
	f.strTrim("number", &vm.Mailbox)
	f.str("name", &vm.Fullname)
	applyVoicemail(f, vm)
	if vm.Mailbox == "" {
		if c.Voicemail == nil {
			return nil // XiVO: no mailbox, no voicemail
		}
		f.fail("mailbox", "is required")
		return f.errs
	}
	if vm.Fullname == "" {
		vm.Fullname = c.User.Fullname()
	}
	if vm.Context == "" {
		lines := c.Lines
		if lines == nil {
			lines = stored
		}
		if len(lines) > 0 {
			vm.Context = lines[0].Context
		} else {
			f.fail("context", "is required when the user has no line to take it from")
			return f.errs
		}
	}
	c.Voicemail = vm
	return nil
}

// decodeDialActions reads {event: {actiontype, action, actionarg1, actionarg2}}. For endcall
// and application the stored action is "<type>:<action>"; otherwise the type itself.
func decodeDialActions(f fields, events map[string]bool) []models.DialAction {
	out := []models.DialAction{}
	keys := make([]string, 0, len(f.m))
	for k := range f.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, ev := range keys {
		if !events[ev] {
			f.fail(ev, "is not a dial-action event here (allowed: "+strings.Join(sortedKeys(events), ", ")+")")
			continue
		}
		m, ok := f.object(ev)
		if !ok {
			continue
		}
		ef := f.sub(ev, m)
		d := models.DialAction{Event: ev, ActionType: "none", Linked: true}
		ef.strTrim("actiontype", &d.ActionType)
		var action string
		ef.strTrim("action", &action)
		// A view posted back carries the stored "<type>:<action>" form.
		action = strings.TrimPrefix(action, d.ActionType+":")
		switch d.ActionType {
		case "endcall", "application":
			if action == "" {
				ef.fail("action", "is required for "+d.ActionType)
			}
			d.Action = d.ActionType + ":" + action
		default:
			d.Action = d.ActionType
		}
		var a1, a2 string
		if ef.str("actionarg1", &a1) {
			d.ActionArg1 = &a1
		}
		if ef.str("actionarg2", &a2) {
			d.ActionArg2 = &a2
		}
		out = append(out, d)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// userCodec is the json.php form of users: rows are userfeatures, the view the composite
// with its parts, add and edit bodies the view's shape (parts optional).
type userCodec struct{ wireNames }

var xivoUserNames = names(map[string]string{
	"user": "userfeatures", "lines": "linefeatures", "dial_actions": "dialaction",
	"func_keys": "phonefunckey", "right_calls": "rightcall", "device_id": "device",
	"entity_id": "entityid", "voicemail_id": "voicemailid",
}, map[string]string{
	"user.password":         "userfeatures.passwdclient",
	"user.cti_profile_name": "userfeatures.profileclient",
}, models.User{}, models.Line{}, models.Voicemail{}, models.DialAction{}, models.FuncKey{})

func (userCodec) Rows(us []models.User) any          { return userList(us) }
func (userCodec) View(c *models.UserComposite) any   { return userView(c) }
func (userCodec) Key(c *models.UserComposite) string { return strconv.Itoa(c.User.ID) }
func (userCodec) Decode(body map[string]any, stored *models.UserComposite) (*models.UserComposite, error) {
	// Start from the stored user; parts the body does not carry stay nil = untouched.
	c := &models.UserComposite{User: stored.User, Voicemail: stored.Voicemail}
	if err := decodeUser(body, c, stored.Lines); err != nil {
		return nil, err
	}
	if c.Voicemail == stored.Voicemail {
		c.Voicemail = nil // not mentioned: keep the box as it is
	}
	return c, nil
}

// Users is the pbx_settings/users resource.
func Users(st *models.Stores) *Resource {
	s := st.Users
	return (&Endpoint[models.User, models.UserComposite, int]{
		Codec:     userCodec{xivoUserNames},
		New:       func() *models.UserComposite { return &models.UserComposite{User: *models.NewUser()} },
		Cached:    NewListCache(st.Changes, models.ScopeUsers, s.ListAt),
		Search:    func(ctx context.Context, q Query) ([]models.User, error) { return s.Search(ctx, q.Search) },
		Get:       s.View,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
