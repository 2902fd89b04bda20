package wsclient

import (
	"context"
	"fmt"
	"strconv"
)

// Entity is an entity as xivo-ws models it.
type Entity struct {
	ID          int
	Name        string
	DisplayName string
}

// ContextRange is a number range; End 0 with HasEnd false is open-ended.
type ContextRange struct {
	Start     string
	End       string // "" when open-ended
	DidLength int
}

// Context is a context as xivo-ws models it; its id is its name.
type Context struct {
	Name                                      string
	DisplayName                               string
	Entity                                    string // the entity's NAME
	Type                                      string // internal, incall (xivo-ws's default) or outcall
	ContextInclude                            []string
	Users, Groups, Queues, ConfRooms, Incalls []ContextRange
}

// UserLine is a user's line: an existing one (ID), or a new one.
type UserLine struct {
	ID         string // existing line id; "" for a new line
	Protocol   string // default sip
	Context    string
	Number     any // string or int, sent as given; nil → null
	Secret     any // nil → null
	DeviceID   any
	DeviceSlot any
}

// UserVoicemail is a user's voicemail box.
type UserVoicemail struct {
	Name, Context, Password string
	Number                  any
}

// User is a user as xivo-ws models it. Pointer fields are sent only when set.
type User struct {
	ID              int
	EntityID        int // default 1
	Firstname       string
	Lastname        *string
	Language        *string
	AgentID         *int
	EnableClient    *bool
	ClientUsername  *string
	ClientPassword  *string
	ClientProfile   *string
	ClientProfileID *int
	MobileNumber    *string
	EnableHint      *bool   // default true
	BSFilter        *string // default "no"
	Line            *UserLine
	Voicemail       *UserVoicemail
}

// Line is a line of a list/search answer.
type Line struct {
	ID       any
	Protocol string
	Number   string
	Context  string
	Name     string
	Raw      map[string]any
}

// Device is a device as xivo-ws reads it (every key optional).
type Device struct {
	ID, IP, MAC, Plugin, Vendor, Model, Version, Status, TemplateID string
}

// CTIProfile is a CTI profile.
type CTIProfile struct {
	ID   int
	Name string
}

// Entities is the entities service.
func (c *Client) Entities() *Entities { return &Entities{c.Service("entities")} }

// Entities is the typed entities API.
type Entities struct{ *Service }

func entityBody(e Entity) map[string]any {
	return map[string]any{"name": e.Name, "displayname": e.DisplayName}
}

func parseEntity(m map[string]any) (Entity, error) {
	id, err := need(m, "id")
	if err != nil {
		return Entity{}, err
	}
	n, err := toInt(id, "id")
	if err != nil {
		return Entity{}, err
	}
	name, err := need(m, "name")
	if err != nil {
		return Entity{}, err
	}
	dn, err := need(m, "displayname")
	if err != nil {
		return Entity{}, err
	}
	return Entity{ID: n, Name: str(name), DisplayName: str(dn)}, nil
}

// Add creates e and returns the id the server gave.
func (s *Entities) Add(ctx context.Context, e Entity) (string, error) {
	return s.RawAdd(ctx, entityBody(e))
}

// Edit updates e (by e.ID; without an id when it is 0, as xivo-ws does for None).
func (s *Entities) Edit(ctx context.Context, e Entity) error {
	return s.RawEdit(ctx, idText(e.ID), entityBody(e))
}

// List returns every entity.
func (s *Entities) List(ctx context.Context) ([]Entity, error) {
	return parseEach(parseEntity)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Entities) Search(ctx context.Context, p string) ([]Entity, error) {
	return parseEach(parseEntity)(s.RawSearch(ctx, p))
}

// SearchByName keeps the matches whose name is exactly name.
func (s *Entities) SearchByName(ctx context.Context, name string) ([]Entity, error) {
	all, err := s.Search(ctx, name)
	return filter(all, err, func(e Entity) bool { return e.Name == name })
}

// View returns one entity.
func (s *Entities) View(ctx context.Context, id int) (Entity, error) {
	m, err := s.RawView(ctx, strconv.Itoa(id))
	if err != nil {
		return Entity{}, err
	}
	return parseEntity(m)
}

// Contexts is the contexts service (ids are names).
func (c *Client) Contexts() *Contexts { return &Contexts{c.Service("contexts")} }

// Contexts is the typed contexts API.
type Contexts struct{ *Service }

func contextBody(x Context) map[string]any {
	typ := x.Type
	if typ == "" {
		typ = "incall"
	}
	incs := make([]any, 0, len(x.ContextInclude))
	for _, i := range x.ContextInclude {
		incs = append(incs, i)
	}
	body := map[string]any{
		"context":        map[string]any{"name": x.Name, "displayname": x.DisplayName, "entity": x.Entity, "contexttype": typ},
		"contextinclude": incs,
	}
	nums := map[string]any{}
	for key, rs := range map[string][]ContextRange{"user": x.Users, "group": x.Groups, "queue": x.Queues, "meetme": x.ConfRooms, "incall": x.Incalls} {
		if len(rs) == 0 {
			continue
		}
		list := make([]any, len(rs))
		for i, r := range rs {
			m := map[string]any{"numberbeg": numberOrText(r.Start)}
			if r.End != "" {
				m["numberend"] = numberOrText(r.End)
			}
			if key == "incall" {
				m["didlength"] = r.DidLength
			}
			list[i] = m
		}
		nums[key] = list
	}
	if len(nums) > 0 {
		body["contextnumbers"] = nums
	}
	return body
}

// numberOrText sends digits without leading zeros as a JSON number, as xivo-ws callers do
// with ints; anything else as text.
func numberOrText(s string) any {
	if n, err := strconv.Atoi(s); err == nil && strconv.Itoa(n) == s {
		return n
	}
	return s
}

func parseContextRow(m map[string]any) (Context, error) {
	rowV, err := need(m, "context")
	if err != nil {
		return Context{}, err
	}
	row, ok := rowV.(map[string]any)
	if !ok {
		return Context{}, fmt.Errorf("context: not an object")
	}
	x := Context{}
	for key, dst := range map[string]*string{"name": &x.Name, "displayname": &x.DisplayName, "entity": &x.Entity, "contexttype": &x.Type} {
		v, err := need(row, key)
		if err != nil {
			return Context{}, fmt.Errorf("context.%w", err)
		}
		*dst = str(v)
	}
	return x, nil
}

// Add creates x; the answer is its name.
func (s *Contexts) Add(ctx context.Context, x Context) (string, error) {
	return s.RawAdd(ctx, contextBody(x))
}

// Edit updates the context named x.Name.
func (s *Contexts) Edit(ctx context.Context, x Context) error {
	return s.RawEdit(ctx, x.Name, contextBody(x))
}

// List returns every context (name, display name, entity, type).
func (s *Contexts) List(ctx context.Context) ([]Context, error) {
	return parseEach(parseContextRow)(s.RawList(ctx))
}

// View returns a context with its ranges and includes.
func (s *Contexts) View(ctx context.Context, name string) (Context, error) {
	m, err := s.RawView(ctx, name)
	if err != nil {
		return Context{}, err
	}
	x, err := parseContextRow(m)
	if err != nil {
		return x, err
	}
	incs, err := need(m, "contextinclude")
	if err != nil {
		return x, err
	}
	if list, ok := incs.([]any); ok {
		for i, v := range list {
			o, ok := v.(map[string]any)
			if !ok {
				return x, fmt.Errorf("contextinclude[%d]: not an object with include", i)
			}
			x.ContextInclude = append(x.ContextInclude, str(o["include"]))
		}
	}
	numsV, err := need(m, "contextnumbers")
	if err != nil || falsy(numsV) {
		return x, err
	}
	nums, ok := numsV.(map[string]any)
	if !ok {
		return x, fmt.Errorf("contextnumbers: not an object")
	}
	for key, dst := range map[string]*[]ContextRange{"user": &x.Users, "group": &x.Groups, "queue": &x.Queues, "meetme": &x.ConfRooms, "incall": &x.Incalls} {
		v, present := nums[key]
		if !present {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return x, fmt.Errorf("contextnumbers.%s: not an array", key)
		}
		for i, rv := range list {
			r, ok := rv.(map[string]any)
			if !ok {
				return x, fmt.Errorf("contextnumbers.%s[%d]: not an object", key, i)
			}
			beg, err := toInt(r["numberbeg"], "numberbeg")
			if err != nil {
				return x, err
			}
			endV, err := need(r, "numberend")
			if err != nil {
				return x, err
			}
			dl, err := toInt(r["didlength"], "didlength")
			if err != nil {
				return x, err
			}
			cr := ContextRange{Start: strconv.Itoa(beg), DidLength: dl}
			if !falsy(endV) {
				end, err := toInt(endV, "numberend")
				if err != nil {
					return x, err
				}
				cr.End = strconv.Itoa(end)
			}
			*dst = append(*dst, cr)
		}
	}
	return x, nil
}

// Users is the users service (no typed view, as in xivo-ws).
func (c *Client) Users() *Users { return &Users{c.Service("users")} }

// Users is the typed users API.
type Users struct{ *Service }

func userBody(u User) map[string]any {
	entity := u.EntityID
	if entity == 0 {
		entity = 1
	}
	uf := map[string]any{"musiconhold": "default", "entityid": entity, "enablexfer": true, "firstname": u.Firstname}
	hint, bs := true, "no"
	if u.EnableHint != nil {
		hint = *u.EnableHint
	}
	if u.BSFilter != nil {
		bs = *u.BSFilter
	}
	uf["enablehint"], uf["bsfilter"] = hint, bs
	setIf := func(k string, v any, ok bool) {
		if ok {
			uf[k] = v
		}
	}
	setIf("lastname", deref(u.Lastname), u.Lastname != nil)
	setIf("language", deref(u.Language), u.Language != nil)
	setIf("agentid", derefInt(u.AgentID), u.AgentID != nil)
	if u.EnableClient != nil {
		uf["enableclient"] = *u.EnableClient
	}
	setIf("loginclient", deref(u.ClientUsername), u.ClientUsername != nil)
	setIf("passwdclient", deref(u.ClientPassword), u.ClientPassword != nil)
	setIf("profileclient", deref(u.ClientProfile), u.ClientProfile != nil)
	setIf("cti_profile_id", derefInt(u.ClientProfileID), u.ClientProfileID != nil && u.ClientProfile == nil)
	setIf("mobilephonenumber", deref(u.MobileNumber), u.MobileNumber != nil)
	body := map[string]any{
		"userfeatures": uf,
		"dialaction":   map[string]any{"noanswer": none(), "busy": none(), "congestion": none(), "chanunavail": none()},
	}
	if l := u.Line; l != nil {
		var lf map[string]any
		if l.ID != "" {
			lf = map[string]any{"id": []any{numberOrText(l.ID)}}
		} else {
			proto := l.Protocol
			if proto == "" {
				proto = "sip"
			}
			lf = map[string]any{"protocol": []any{proto}, "context": []any{l.Context}, "number": []any{l.Number}, "secret": []any{l.Secret}}
		}
		if l.DeviceID != nil {
			lf["device"] = []any{l.DeviceID}
		}
		if l.DeviceSlot != nil {
			lf["num"] = []any{l.DeviceSlot}
		}
		body["linefeatures"] = lf
	}
	if v := u.Voicemail; v != nil {
		vm := map[string]any{"name": v.Name, "number": v.Number, "context": v.Context}
		if v.Password != "" {
			vm["password"] = v.Password
		}
		body["voicemail"] = vm
	}
	return body
}

func none() map[string]any { return map[string]any{"actiontype": "none"} }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// UserRow is a user of a list/search answer.
type UserRow struct {
	ID        int
	EntityID  any
	Firstname string
	Lastname  string
	AgentID   *int
	Raw       map[string]any
}

func parseUser(m map[string]any) (UserRow, error) {
	for _, k := range []string{"id", "entityid", "firstname", "lastname", "enableclient", "loginclient", "passwdclient", "cti_profile_id", "bsfilter", "enablexfer", "mobilephonenumber", "agentid"} {
		if _, err := need(m, k); err != nil {
			return UserRow{}, err
		}
	}
	id, err := toInt(m["id"], "id")
	if err != nil {
		return UserRow{}, err
	}
	u := UserRow{ID: id, EntityID: m["entityid"], Firstname: str(m["firstname"]), Lastname: str(m["lastname"]), Raw: m}
	if !falsy(m["agentid"]) {
		a, err := toInt(m["agentid"], "agentid")
		if err != nil {
			return UserRow{}, err
		}
		u.AgentID = &a
	}
	return u, nil
}

// Add creates u and returns its id.
func (s *Users) Add(ctx context.Context, u User) (string, error) { return s.RawAdd(ctx, userBody(u)) }

// Edit updates u (by u.ID; without an id when 0).
func (s *Users) Edit(ctx context.Context, u User) error {
	return s.RawEdit(ctx, idText(u.ID), userBody(u))
}

// List returns every user.
func (s *Users) List(ctx context.Context) ([]UserRow, error) {
	return parseEach(parseUser)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Users) Search(ctx context.Context, p string) ([]UserRow, error) {
	return parseEach(parseUser)(s.RawSearch(ctx, p))
}

// Lines is the lines service (list and search only).
func (c *Client) Lines() *Lines { return &Lines{c.Service("lines")} }

// Lines is the typed lines API.
type Lines struct{ *Service }

func parseLine(m map[string]any) (Line, error) {
	for _, k := range []string{"id", "protocol", "number", "context"} {
		if _, err := need(m, k); err != nil {
			return Line{}, err
		}
	}
	l := Line{ID: m["id"], Protocol: str(m["protocol"]), Number: str(m["number"]), Context: str(m["context"]), Raw: m}
	var keys []string
	switch l.Protocol {
	case "sip":
		keys = []string{"name", "type", "username", "secret", "language", "host", "port"}
	case "custom":
		keys = []string{"name", "interface"}
	case "sccp":
		keys = []string{"name"}
	}
	for _, k := range keys {
		if _, err := need(m, k); err != nil {
			return Line{}, fmt.Errorf("%s line: %w", l.Protocol, err)
		}
	}
	if len(keys) > 0 {
		l.Name = str(m["name"])
	}
	return l, nil
}

// List returns every line.
func (s *Lines) List(ctx context.Context) ([]Line, error) {
	return parseEach(parseLine)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Lines) Search(ctx context.Context, p string) ([]Line, error) {
	return parseEach(parseLine)(s.RawSearch(ctx, p))
}

// SearchByNumberContext keeps the lines with exactly that number and context.
func (s *Lines) SearchByNumberContext(ctx context.Context, number any, context_ string) ([]Line, error) {
	n := str(number)
	all, err := s.Search(ctx, n)
	return filter(all, err, func(l Line) bool { return l.Number == n && l.Context == context_ })
}

// SearchByName keeps the lines named exactly name.
func (s *Lines) SearchByName(ctx context.Context, name string) ([]Line, error) {
	all, err := s.Search(ctx, name)
	return filter(all, err, func(l Line) bool { return l.Name == name })
}

// Devices is the devices service (read-only).
func (c *Client) Devices() *Devices { return &Devices{c.Service("devices")} }

// Devices is the typed devices API.
type Devices struct{ *Service }

func parseDevice(m map[string]any) (Device, error) {
	g := func(k string) string { return str(m[k]) }
	return Device{ID: g("id"), IP: g("ip"), MAC: g("mac"), Plugin: g("plugin"), Vendor: g("vendor"),
		Model: g("model"), Version: g("version"), Status: g("status"), TemplateID: g("template_id")}, nil
}

// List returns every device.
func (s *Devices) List(ctx context.Context) ([]Device, error) {
	return parseEach(parseDevice)(s.RawList(ctx))
}

// Search returns the devices matching an IP or MAC.
func (s *Devices) Search(ctx context.Context, p string) ([]Device, error) {
	return parseEach(parseDevice)(s.RawSearch(ctx, p))
}

// View returns one device by its opaque id.
func (s *Devices) View(ctx context.Context, id string) (Device, error) {
	m, err := s.RawView(ctx, id)
	if err != nil {
		return Device{}, err
	}
	return parseDevice(m)
}

// CTIProfiles lists CTI profiles.
func (c *Client) CTIProfiles(ctx context.Context) ([]CTIProfile, error) {
	return parseEach(func(m map[string]any) (CTIProfile, error) {
		id, err := toInt(m["id"], "id")
		if err != nil {
			return CTIProfile{}, err
		}
		name, err := need(m, "name")
		return CTIProfile{ID: id, Name: str(name)}, err
	})(c.Service("cti_profiles").RawList(ctx))
}

func idText(id int) string {
	if id == 0 {
		return ""
	}
	return strconv.Itoa(id)
}

// parseEach applies parse to every item of a list answer.
func parseEach[T any](parse func(map[string]any) (T, error)) func([]map[string]any, error) ([]T, error) {
	return func(items []map[string]any, err error) ([]T, error) {
		if err != nil {
			return nil, err
		}
		out := make([]T, 0, len(items))
		for i, m := range items {
			x, err := parse(m)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out = append(out, x)
		}
		return out, nil
	}
}

func filter[T any](all []T, err error, keep func(T) bool) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var out []T
	for _, x := range all {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out, nil
}
