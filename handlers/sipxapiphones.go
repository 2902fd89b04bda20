package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"pbxws/models"
)

// The sipX /api/phones and /api/phoneGroups resources (sipx-api.md §7) over the XiVO
// devices and lines: a phone is a device (named by its number or its MAC), its lines are the
// lines attached to it by slot, user lines or external lines (free lines registering to a
// server of their own), and phone groups are sipX's own.

// ProfileNotifier tells phones to fetch their profiles again (the SIP agent's check-sync).
type ProfileNotifier interface {
	CheckSync(contacts []models.RegisteredContact, reboot bool)
}

// Path parameters of the phone resources.
const (
	pPhone   = "phone"
	pGroup   = "group"
	pLine    = "lineId"
	pModel   = "modelId"
	pVersion = "version"
)

var (
	errPhoneNotFound = &APIError{Status: http.StatusNotFound, Msg: "Phone not found"}
	errLineNotFound  = &APIError{Status: http.StatusNotFound, Msg: "Line not found."}
	errGroupNotFound = &APIError{Status: http.StatusNotFound, Msg: "Phone group not found"}
	errNoSuchModel   = &APIError{Status: http.StatusBadRequest, Msg: "No such phone model defined"}
)

// modelBean is a catalogue model as §7.1 shows it; versions null when it lists none.
func modelBean(m models.PhoneModel) APIObject {
	var versions any
	if len(m.Versions) > 0 {
		vs := make([]any, len(m.Versions))
		for i, v := range m.Versions {
			vs[i] = v
		}
		versions = APIList{Item: "Version", Items: vs}
	}
	return APIObject{{Name: "modelId", Value: m.ID}, {Name: "label", Value: m.Label}, {Name: "vendor", Value: nullIfEmptyAPI(m.Vendor)},
		{Name: "versions", Value: versions, XMLName: "Versions"}}
}

func nullIfEmptyAPI(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// phoneGroupBean is a phone group; count only in lists.
func phoneGroupBean(g models.PhoneGroup) APIObject {
	var count any
	if g.Count != nil {
		count = *g.Count
	}
	return APIObject{{Name: "id", Value: g.ID}, {Name: "name", Value: g.Name}, {Name: "description", Value: nullIfEmptyAPI(g.Description)},
		{Name: "weight", Value: g.Weight}, {Name: "count", Value: count}}
}

// phoneLineFacts is what a line bean shows besides the line: where user lines register and
// the voicemail access number.
type phoneLineFacts struct {
	server    ProvisioningServer
	voicemail string
}

// lineBean is a phone's line as §7.1 shows it.
func lineBean(l models.PhoneLine, f phoneLineFacts) APIObject {
	display, server, port, ext, vm := "", f.server.Host, f.server.Port, l.Number, f.voicemail
	var user any
	if l.External {
		display, server, port, ext, vm = l.ExtDisplay, l.ExtServer, l.ExtPort, l.ExtExtension, l.ExtVoicemail
	} else {
		u := models.User{}
		if l.OwnerFirstname != nil {
			u.FirstName = *l.OwnerFirstname
		}
		if l.OwnerLastname != nil {
			u.LastName = *l.OwnerLastname
		}
		if display = models.CallerIDName(l.CallerID); display == "" {
			display = strings.TrimSpace(u.Fullname())
		}
		user = nullIfEmptyAPI(l.OwnerLogin)
	}
	host := server
	if host == "" {
		host = f.server.Host
	}
	uri := "<sip:" + l.Name + "@" + host + ">"
	if display != "" {
		uri = `"` + strings.ReplaceAll(display, `"`, "") + `"` + uri
	}
	return APIObject{{Name: "id", Value: l.ID}, {Name: "uri", Value: uri}, {Name: "user", Value: user},
		{Name: "userId", Value: l.Name}, {Name: "extension", Value: nullIfEmptyAPI(ext)},
		{Name: "displayName", Value: nullIfEmptyAPI(display)}, {Name: "password", Value: nullIfEmptyAPI(l.Secret)},
		{Name: "registrationServer", Value: nullIfEmptyAPI(server)}, {Name: "registrationServerPort", Value: nullIfEmptyAPI(port)},
		{Name: "voicemail", Value: nullIfEmptyAPI(vm)}}
}

// phoneBean is a phone as §7.1 shows it; lines and groups null when there are none.
func phoneBean(p *models.Phone, f phoneLineFacts) APIObject {
	var lines, groups any
	if len(p.PLines) > 0 {
		items := make([]any, len(p.PLines))
		for i, l := range p.PLines {
			items[i] = lineBean(l, f)
		}
		lines = APIList{Item: "Line", Items: items}
	}
	if len(p.Groups) > 0 {
		items := make([]any, len(p.Groups))
		for i, g := range p.Groups {
			items[i] = phoneGroupBean(g)
		}
		groups = APIList{Item: "Group", Items: items}
	}
	return APIObject{{Name: "id", Value: p.ID}, {Name: "serialNo", Value: strings.ReplaceAll(p.MAC, ":", "")},
		{Name: "deviceVersion", Value: nullIfEmptyAPI(p.Version)}, {Name: "description", Value: nullIfEmptyAPI(p.Description)},
		{Name: "model", Value: modelBean(models.PhoneModelOf(p.Vendor, p.Model)), XMLName: "Model"},
		{Name: "lines", Value: lines, XMLName: "Lines"}, {Name: "groups", Value: groups, XMLName: "Groups"}}
}

// phoneInput is what a phone body says; nil parts were absent.
type phoneInput struct {
	serial, version, description *string
	modelID                      string
	groups                       []string
}

func decodePhoneBody(r *Request) (*phoneInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Phone", "phone")
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	in := &phoneInput{}
	for key, dst := range map[string]**string{"serialNo": &in.serial, "deviceVersion": &in.version, "description": &in.description} {
		if v, ok := body[key]; ok {
			s := ""
			if v != nil && !f.strTrim(key, &s) {
				continue
			}
			*dst = &s
		}
	}
	if in.serial != nil {
		mac, ok := models.NormalizeMAC(*in.serial)
		if !ok {
			f.fail("serialNo", "must be a MAC address: 12 hex digits, with : or - separators or none")
		} else {
			in.serial = &mac
		}
	}
	if in.description != nil && utf8.RuneCountInString(*in.description) > 255 {
		f.fail("description", "must be at most 255 characters")
	}
	if m, ok := unwrapOne(f, "model", "Model"); ok {
		mf := newFields(m, "model.", errs)
		mf.strTrim("modelId", &in.modelID)
	}
	if v, ok := firstOf(body, "groups", "Groups"); ok && v != nil {
		items, isList := sipxItems(v, "Group")
		if !isList {
			f.fail("groups", "must be a list of groups")
		}
		for i, it := range items {
			m, isObj := it.(map[string]any)
			var name string
			if !isObj || !newFields(m, fmt.Sprintf("groups[%d].", i), errs).strTrim("name", &name) || name == "" {
				errs.Add(fmt.Sprintf("groups[%d].name", i), "is required")
				continue
			}
			in.groups = append(in.groups, name)
		}
	}
	return in, errs.OrNil()
}

// firstOf is the value of the first of the keys the body has.
func firstOf(body map[string]any, keys ...string) (any, bool) {
	for _, k := range keys {
		if v, ok := body[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// unwrapOne reads a nested object under either key.
func unwrapOne(f fields, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		if _, ok := f.m[k]; ok {
			return f.object(k)
		}
	}
	return nil, false
}

// phoneFields names the device store's refusals in /api terms.
func phoneFields(err error) error {
	rename := map[string]string{"device.mac": "serialNo", "device.version": "deviceVersion", "device.description": "description"}
	var ce *models.ConflictError
	if errors.As(err, &ce) && ce.Field == "device.mac" {
		return &models.ConflictError{Field: "serialNo", Msg: "serialNo: this MAC is already the serial number of another phone"}
	}
	return renameFields(err, func(f string) string {
		if n, ok := rename[f]; ok {
			return n
		}
		return strings.TrimPrefix(f, "device.")
	})
}

// phoneErr maps a store's ErrNotFound to the phone's 404.
func phoneErr(err error, notFound *APIError) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound
	}
	return err
}

// APIPhones is /api/phones and below (§7.3, §7.4, §7.7). PathParams: "list" (line, models),
// "phone", "groupName", "lineId", "name" (a profile); sendProfile batches: "batch" (ids,
// all, user, phoneGroup), "by" (id, name), "x"; "restart" when it restarts the phones.
// notifier is nil when pbxws runs without SIP.
func APIPhones(st *models.Stores, server func() ProvisioningServer, notifier ProfileNotifier) *Resource {
	s := st.Phones
	facts := func(ctx context.Context) (phoneLineFacts, error) {
		vm, err := s.VoicemailAccess(ctx)
		return phoneLineFacts{server: server(), voicemail: vm}, err
	}
	one := func(ctx context.Context, r *Request) (*models.Phone, error) {
		p, err := s.Get(ctx, r.PathParams[pPhone])
		return p, phoneErr(err, errPhoneNotFound)
	}
	idAnswer := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/phones/" + strconv.Itoa(id)}}}
	}
	list := func(ctx context.Context, ps []models.Phone, q map[string][]string) (Result, error) {
		f, err := facts(ctx)
		if err != nil {
			return Result{}, err
		}
		ps = apiPage(ps, q)
		items := make([]any, len(ps))
		for i := range ps {
			items[i] = phoneBean(&ps[i], f)
		}
		return Result{JSON: APIDoc{Root: "Phones", Key: "phones", Value: APIList{Item: "Phone", Items: items}}}, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			switch r.PathParams["list"] {
			case "models":
				return modelsAnswer(), nil
			case "line":
				ps, err := s.ByLine(ctx, r.Query.Get("lineFilter"))
				if err != nil {
					return Result{}, err
				}
				return list(ctx, ps, nil)
			}
			if _, ok := r.PathParams[pPhone]; !ok {
				ps, err := s.List(ctx)
				if err != nil {
					return Result{}, err
				}
				return list(ctx, ps, r.Query)
			}
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			f, err := facts(ctx)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: APIDoc{Root: "Phone", Value: phoneBean(p, f)}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodePhoneBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.serial == nil || *in.serial == "" {
				return Result{}, models.Invalid("serialNo", "is required")
			}
			if in.modelID == "" {
				return Result{}, models.Invalid("model.modelId", "is required")
			}
			pm, ok := models.PhoneModelByID(in.modelID)
			if !ok {
				return Result{}, errNoSuchModel
			}
			d := &models.Device{MAC: *in.serial, Vendor: pm.Vendor, Model: pm.Model, Proto: "SIP",
				TemplateID: "defaultconfigdevice", Status: "not_configured"}
			if in.description != nil {
				d.Description = *in.description
			}
			if in.version != nil {
				if *in.version != "" && !pm.HasVersion(*in.version) {
					return Result{}, models.Invalid("deviceVersion", "must be one of the versions of "+pm.ID+": "+strings.Join(pm.Versions, ", "))
				}
				d.Version = *in.version
			}
			id, err := s.Create(ctx, d, in.groups)
			if err != nil {
				return Result{}, phoneFields(err)
			}
			return idAnswer(id), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			in, err := decodePhoneBody(r)
			if err != nil {
				return Result{}, err
			}
			err = s.Edit(ctx, p.ID, func(d *models.Device) error {
				pm := models.PhoneModelOf(d.Vendor, d.Model)
				if in.modelID != "" && in.modelID != pm.ID {
					return models.Invalid("model.modelId", "cannot change ("+pm.ID+")")
				}
				if in.serial != nil {
					if *in.serial == "" {
						return models.Invalid("serialNo", "is required")
					}
					d.MAC = *in.serial
				}
				if in.description != nil {
					d.Description = *in.description
				}
				if in.version != nil {
					if *in.version != "" && !pm.HasVersion(*in.version) {
						return models.Invalid("deviceVersion", "must be one of the versions of "+pm.ID+": "+strings.Join(pm.Versions, ", "))
					}
					d.Version = *in.version
				}
				return nil
			}, in.groups)
			if err != nil {
				return Result{}, phoneFields(phoneErr(err, errPhoneNotFound))
			}
			return idAnswer(p.ID), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, phoneErr(s.Delete(ctx, p.ID), errPhoneNotFound)
		},
		// groups: the phone's groups; join, leave and leaveAll change them.
		"groups": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			items := make([]any, len(p.Groups))
			for i, g := range p.Groups {
				items[i] = phoneGroupBean(g)
			}
			return Result{JSON: APIDoc{Root: "Groups", Key: "groups", Value: APIList{Item: "Group", Items: items}}}, nil
		},
		"join": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			err = s.JoinGroup(ctx, p.ID, r.PathParams["groupName"])
			return Result{}, renameFields(phoneErr(err, errPhoneNotFound), func(string) string { return "groupName" })
		},
		"leave": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			err = s.LeaveGroup(ctx, p.ID, r.PathParams["groupName"])
			return Result{}, phoneErr(err, &APIError{Status: http.StatusNotFound, Msg: "The phone is not in group " + oneLine(r.PathParams["groupName"])})
		},
		"leaveAll": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, phoneErr(s.LeaveAllGroups(ctx, p.ID), errPhoneNotFound)
		},
		"lines": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			f, err := facts(ctx)
			if err != nil {
				return Result{}, err
			}
			if raw, ok := r.PathParams[pLine]; ok {
				id, _ := ParseID(raw)
				for _, l := range p.PLines {
					if l.ID == id {
						return Result{JSON: APIDoc{Root: "Line", Value: lineBean(l, f)}}, nil
					}
				}
				return Result{}, errLineNotFound
			}
			items := make([]any, len(p.PLines))
			for i, l := range p.PLines {
				items[i] = lineBean(l, f)
			}
			return Result{JSON: APIDoc{Root: "Lines", Key: "lines", Value: APIList{Item: "Line", Items: items}}}, nil
		},
		"addLine": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			x, user, err := decodeLineBody(r)
			if err != nil {
				return Result{}, err
			}
			pm := models.PhoneModelOf(p.Vendor, p.Model)
			var id int
			if user != "" {
				id, err = s.AttachUserLine(ctx, p.ID, pm.MaxLines, user)
				if errors.Is(err, models.ErrUserNotFound) {
					return Result{}, &APIError{Status: http.StatusBadRequest, Msg: "User not found"}
				}
			} else {
				id, err = s.AddExternalLine(ctx, p.ID, pm.MaxLines, *x)
			}
			var ce *models.ConflictError
			if errors.As(err, &ce) && ce.Field == "line.name" {
				return Result{}, &models.ConflictError{Field: "userId", Msg: "userId: " + x.UserID + " is already the SIP user of another line"}
			}
			if err != nil {
				return Result{}, renameFields(phoneErr(err, errPhoneNotFound), lineField)
			}
			return Result{JSON: idDoc(id)}, nil
		},
		"removeLines": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			id := 0
			if raw, ok := r.PathParams[pLine]; ok {
				if id, ok = ParseID(raw); !ok {
					return Result{}, errLineNotFound
				}
			}
			return Result{}, phoneErr(s.RemoveLines(ctx, p.ID, id), errLineNotFound)
		},
		"sendProfile": func(ctx context.Context, r *Request) (Result, error) {
			return sendProfiles(ctx, s, r, notifier)
		},
	}}
}

// lineField names a line store field in line bean terms.
func lineField(f string) string {
	if n, ok := map[string]string{"line.name": "userId", "line.secret": "password", "line.callerid": "displayName"}[f]; ok {
		return n
	}
	return strings.TrimPrefix(f, "line.")
}

// modelsAnswer is the whole catalogue (§7.2), by label.
func modelsAnswer() Result {
	ms := models.PhoneModels()
	items := make([]any, len(ms))
	for i, m := range ms {
		items[i] = modelBean(m)
	}
	return Result{JSON: APIDoc{Root: "Models", Key: "models", Value: APIList{Item: "Model", Items: items}}}
}

// decodeLineBody reads a line bean: a user's name (a user line) or an external line.
func decodeLineBody(r *Request) (*models.ExternalLine, string, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, "", err
	}
	body = unwrap(body, "Line", "line")
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	var user string
	f.strTrim("user", &user)
	x := &models.ExternalLine{}
	for key, dst := range map[string]*string{"userId": &x.UserID, "password": &x.Password, "displayName": &x.DisplayName,
		"extension": &x.Extension, "registrationServer": &x.Server, "registrationServerPort": &x.Port, "voicemail": &x.Voicemail} {
		f.strTrim(key, dst)
	}
	if err := errs.OrNil(); err != nil || user != "" {
		return x, user, err
	}
	if x.UserID == "" {
		errs.Add("userId", "is required for an external line (a line without user)")
	}
	if x.Port != "" {
		if n, err := strconv.Atoi(x.Port); err != nil || n < 1 || n > 65535 {
			errs.Add("registrationServerPort", "must be a port number, 1-65535")
		}
	}
	for key, v := range map[string]string{"displayName": x.DisplayName, "registrationServer": x.Server} {
		if utf8.RuneCountInString(v) > 255 || strings.ContainsAny(v, "\"\r\n<>") {
			errs.Add(key, "must be at most 255 characters, without quotes, angle brackets or line breaks")
		}
	}
	for key, v := range map[string]string{"extension": x.Extension, "voicemail": x.Voicemail} {
		if len(v) > 40 || strings.Trim(v, "0123456789*#+") != "" {
			errs.Add(key, "must be at most 40 characters of 0-9, *, # and +")
		}
	}
	return x, "", errs.OrNil()
}

// sendProfiles is every sendProfile form (§7.7): the phones named, their registered contacts
// told to check their profiles, in the background.
func sendProfiles(ctx context.Context, s *models.PhoneStore, r *Request, notifier ProfileNotifier) (Result, error) {
	if notifier == nil {
		return Result{}, &ErrNotServed{Why: "pbxws runs without its SIP user agent: no phone can be told to fetch its profile"}
	}
	var ids []int
	var err error
	switch r.PathParams["batch"] {
	case "":
		p, err := s.Get(ctx, r.PathParams[pPhone])
		if err != nil {
			return Result{}, phoneErr(err, errPhoneNotFound)
		}
		ids = []int{p.ID}
	case "all":
		ids, err = s.PhoneIDs(ctx, true, "", "")
	case "ids":
		body, derr := r.decoded()
		if derr != nil {
			return Result{}, derr
		}
		v, _ := firstOf(unwrap(body, "Phones", "phones"), "ids", "id")
		items, ok := sipxItems(v, "id")
		if !ok || len(items) == 0 {
			return Result{}, models.Invalid("ids", "is required: a list of phone ids")
		}
		var want []int
		for i, it := range items {
			n, ok := intOf(it)
			if !ok {
				return Result{}, models.Invalid(fmt.Sprintf("ids[%d]", i), "must be a phone id")
			}
			want = append(want, n)
		}
		if ids, err = s.ExistingPhones(ctx, want); err == nil && len(ids) < len(dedupe(want)) {
			return Result{}, errPhoneNotFound
		}
	case "user":
		ids, err = s.PhoneIDs(ctx, false, r.PathParams["x"], "")
		err = phoneErr(err, &APIError{Status: http.StatusNotFound, Msg: "User not found"})
	case "phoneGroup":
		ids, err = s.PhoneIDs(ctx, false, "", r.PathParams["x"])
		err = phoneErr(err, errGroupNotFound)
	}
	if err != nil {
		return Result{}, err
	}
	contacts, err := s.PhoneContacts(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	var all []models.RegisteredContact
	notified := 0
	for _, id := range ids {
		if cs := contacts[id]; len(cs) > 0 {
			notified++
			all = append(all, cs...)
		}
	}
	notifier.CheckSync(all, r.PathParams["restart"] == "true")
	return Result{JSON: APIDoc{Root: "SendProfile", Value: APIObject{{Name: "notified", Value: notified},
		{Name: "notRegistered", Value: len(ids) - notified}}}}, nil
}

func dedupe(ns []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// APIPhoneProfile is GET /api/phones/{phone}/profile/{name}: the /rest profile (§7.3), the
// phone named by number or MAC.
func APIPhoneProfile(st *models.Stores, server func() ProvisioningServer) *Resource {
	rest := SipxPhoneProfile(st, server)
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			p, err := st.Phones.Get(ctx, r.PathParams[pPhone])
			if err != nil {
				return Result{}, phoneErr(err, errPhoneNotFound)
			}
			res, err := rest.Dispatch(ctx, &Request{Act: "view", PathParams: map[string]string{"serialNumber": p.MAC, "name": r.PathParams["name"]}})
			if errors.Is(err, models.ErrNotFound) {
				return Result{}, &APIError{Status: http.StatusNotFound, Msg: "Profile not found"}
			}
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: fileDoc{body: res.Text, ctype: res.TextType}}, nil
		},
	}}
}

// fileDoc is a file in its own type, whatever was negotiated.
type fileDoc struct {
	body  []byte
	ctype string
}

func (d fileDoc) Render(string) ([]byte, string) { return d.body, d.ctype + "; charset=utf-8" }

// APIPhoneGroups is /api/phoneGroups and below (§7.5). PathParams: "group", "list"
// (models), "modelId", "version"; "move" (up, down).
func APIPhoneGroups(st *models.Stores) *Resource {
	s := st.Phones
	one := func(ctx context.Context, r *Request) (*models.PhoneGroup, error) {
		g, err := s.Group(ctx, r.PathParams[pGroup])
		return g, phoneErr(err, errGroupNotFound)
	}
	idAnswer := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/phoneGroups/" + strconv.Itoa(id)}}}
	}
	decode := func(r *Request) (name, description *string, err error) {
		body, err := r.decoded()
		if err != nil {
			return nil, nil, err
		}
		body = unwrap(body, "Group", "group")
		errs := &models.ValidationError{}
		f := newFields(body, "", errs)
		for key, dst := range map[string]**string{"name": &name, "description": &description} {
			if v, ok := body[key]; ok {
				s := ""
				if v != nil && !f.strTrim(key, &s) {
					continue
				}
				*dst = &s
			}
		}
		return name, description, errs.OrNil()
	}
	conflict := func(err error) error {
		var ce *models.ConflictError
		if errors.As(err, &ce) {
			return &APIError{Status: http.StatusConflict, Msg: ce.Msg}
		}
		return phoneErr(err, errGroupNotFound)
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if _, ok := r.PathParams[pGroup]; !ok {
				gs, err := s.Groups(ctx)
				if err != nil {
					return Result{}, err
				}
				items := make([]any, len(gs))
				for i, g := range gs {
					items[i] = phoneGroupBean(g)
				}
				return Result{JSON: APIDoc{Root: "Groups", Key: "groups", Value: APIList{Item: "Group", Items: items}}}, nil
			}
			g, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			if r.PathParams["list"] == "models" {
				return modelsAnswer(), nil
			}
			return Result{JSON: APIDoc{Root: "Group", Value: phoneGroupBean(*g)}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			name, description, err := decode(r)
			if err != nil {
				return Result{}, err
			}
			if name == nil {
				return Result{}, models.Invalid("name", "is required")
			}
			d := ""
			if description != nil {
				d = *description
			}
			id, err := s.CreateGroup(ctx, *name, d)
			if err != nil {
				return Result{}, conflict(err)
			}
			return idAnswer(id), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			g, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			name, description, err := decode(r)
			if err != nil {
				return Result{}, err
			}
			if err := s.EditGroup(ctx, g.ID, name, description); err != nil {
				return Result{}, conflict(err)
			}
			return idAnswer(g.ID), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			g, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, phoneErr(s.DeleteGroup(ctx, g.ID), errGroupNotFound)
		},
		"move": func(ctx context.Context, r *Request) (Result, error) {
			g, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			if err := s.MoveGroup(ctx, g.ID, r.PathParams["move"] == "up"); err != nil {
				return Result{}, phoneErr(err, errGroupNotFound)
			}
			return idAnswer(g.ID), nil
		},
		"firmware": func(ctx context.Context, r *Request) (Result, error) {
			g, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			pm, ok := models.PhoneModelByID(r.PathParams[pModel])
			if !ok {
				return Result{}, &APIError{Status: http.StatusNotFound, Msg: "Phone model not found"}
			}
			v := r.PathParams[pVersion]
			if v == "" || !pm.HasVersion(v) {
				return Result{}, models.Invalid("version", "must be one of the versions of "+pm.ID+": "+strings.Join(pm.Versions, ", "))
			}
			if _, err := s.SetGroupFirmware(ctx, g.ID, pm, v); err != nil {
				return Result{}, phoneErr(err, errGroupNotFound)
			}
			return idAnswer(g.ID), nil
		},
	}}
}
