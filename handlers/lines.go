package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// lineOptionKeys are the protocol peer settings a line body may carry (flat in the view shape,
// under "protocol" in a lines add body).
var lineOptionKeys = []string{"type", "username", "host", "port", "language", "qualify", "nat",
	"transport", "allow", "disallow", "mailbox", "cid_name", "cid_num", "amaflags", "accountcode"}

// lineToWire is a line as json.php lists it: the peer settings merged with the line row (line
// keys win) plus the computed keys. Numbers and names stay strings; ids are integers.
func lineToWire(l *models.Line, registered bool) jsonObject {
	m := newObject(29 + 12 + len(l.Options))
	// Members set later win: the defaults, then the stored settings, then the line's own keys.
	for k, v := range models.OptionDefaults(l.Protocol) {
		m.set(k, v)
	}
	for k, v := range l.Options {
		m.set(k, v)
	}
	owner, ownerName := 0, "-"
	if l.UserID != nil {
		owner = *l.UserID
		u := models.User{}
		if l.OwnerFirstname != nil {
			u.FirstName = *l.OwnerFirstname
		}
		if l.OwnerLastname != nil {
			u.LastName = *l.OwnerLastname
		}
		ownerName = u.Fullname()
	}
	device := ""
	if l.DeviceID != nil {
		device = *l.DeviceID
	}
	initialized := true
	if l.Protocol == "sip" {
		initialized = registered
	}
	m = append(m, jsonObject{
		{"id", l.ID}, {"protocol", l.Protocol}, {"protocolid", l.ID}, {"iduserfeatures", owner},
		{"name", l.Name}, {"number", l.Number}, {"context", l.Context}, {"secret", l.Secret},
		{"interface", l.Interface}, {"device", device}, {"num", l.Num}, {"line_num", l.LineNum},
		{"rules_type", l.RulesType}, {"rules_time", l.RulesTime}, {"rules_order", l.RulesOrder},
		{"rules_group", l.RulesGroup}, {"provisioningid", l.ProvisioningID}, {"config", ""},
		{"configregistrar", l.ConfigRegistrar}, {"callerid", l.CallerID}, {"internal", l.Internal},
		{"commented", l.Commented}, {"encryption", l.Encryption}, {"description", l.Description},
		{"initialized", initialized}, {"identity", l.Identity()}, {"useridentity", ownerName},
	}...)
	return m
}

// applyLine sets the line fields an object of a body carries; prefix names them in errors.
func applyLine(l *models.Line, f fields) {
	f.strTrim("protocol", &l.Protocol)
	f.strTrim("context", &l.Context)
	f.strTrim("number", &l.Number)
	f.str("secret", &l.Secret)
	f.strTrim("name", &l.Name)
	f.strTrim("interface", &l.Interface)
	var dev string
	if f.strTrim("device", &dev) {
		if dev == "" || dev == "0" {
			l.DeviceID = nil
		} else {
			l.DeviceID = &dev
		}
	}
	f.integer("num", &l.Num)
	f.integer("line_num", &l.LineNum)
	f.integer("rules_order", &l.RulesOrder)
	f.str("rules_group", &l.RulesGroup)
	f.str("rules_type", &l.RulesType)
	f.str("configregistrar", &l.ConfigRegistrar)
	f.str("description", &l.Description)
	f.boolean("commented", &l.Commented)
	f.boolean("encryption", &l.Encryption)
	if l.Options == nil {
		l.Options = models.Options{}
	}
	for _, k := range lineOptionKeys {
		var v string
		if f.str(k, &v) {
			l.Options[k] = v
		}
	}
}

// newLine is a line with the defaults a created line gets.
func newLine() models.Line {
	return models.Line{Protocol: "sip", Num: 1, ConfigRegistrar: "default", RulesTime: "30", Options: models.Options{}}
}

// lineFilter reads the list/search filters: free=0|1, protocol=, context=.
func lineFilter(q Query) (models.LineFilter, error) {
	f := models.LineFilter{Protocol: q.Param("protocol"), Context: q.Param("context"), Search: q.Search}
	if q.Has("free") {
		free := q.Param("free") != "0"
		f.Free = &free
	}
	switch f.Protocol {
	case "", "sip", "iax", "sccp", "custom":
	default:
		return f, models.Invalid("protocol", "must be one of: sip, iax, sccp, custom")
	}
	return f, nil
}

// lineCodec is the json.php form of lines: list rows are the peer settings merged with the
// line; add and edit take {"protocol": {peer…}, "linefeatures": {…}} (or a flat row).
type lineCodec struct{ wireNames }

var xivoLineNames = names(map[string]string{"line": "", "lines": "linefeatures", "device_id": "device"},
	nil, models.Line{})

func (lineCodec) Rows(ls []models.Line) any {
	out := make([]jsonObject, len(ls))
	for i := range ls {
		out[i] = lineToWire(&ls[i], ls[i].Registered)
	}
	return out
}

func (lineCodec) View(l *models.Line) any {
	proto := newObject(12 + len(l.Options) + 4)
	for k, v := range models.OptionDefaults(l.Protocol) {
		proto.set(k, v)
	}
	for k, v := range l.Options {
		proto.set(k, v)
	}
	proto = append(proto, jsonObject{{"name", l.Name}, {"context", l.Context}, {"secret", l.Secret},
		{"protocol", l.Protocol}}...)
	return jsonObject{{"linefeatures", lineToWire(l, l.Registered)}, {"protocol", proto},
		{"groupmember", false}, {"queuemember", false}, {"usermacro", false}, {"extenumbers", false},
		{"contextnummember", false}}
}

func (lineCodec) Key(l *models.Line) string { return strconv.Itoa(l.ID) }

// Decode applies {"protocol": {peer…}, "linefeatures": {…}}: the peer's name, context and
// protocol become the line's; linefeatures may override line fields.
func (lineCodec) Decode(body map[string]any, l *models.Line) (*models.Line, error) {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	proto, hasProto := f.object("protocol")
	lf, hasLF := f.object("linefeatures")
	if !hasProto && !hasLF && errs.OrNil() == nil {
		// A flat body (the list row shape) is read as line fields.
		applyLine(l, f)
		return l, errs.OrNil()
	}
	if hasProto {
		applyLine(l, f.sub("protocol", proto))
	}
	if hasLF {
		applyLine(l, f.sub("linefeatures", lf))
	}
	if l.ID == 0 && !hasProto {
		errs.Add("protocol", "is required: the peer settings of the line (protocol, name, context…)")
	}
	return l, errs.OrNil()
}

// Lines is the pbx_settings/lines resource.
func Lines(st *models.Stores) *Resource {
	s := st.Lines
	list := func(ctx context.Context, q Query) ([]models.Line, error) {
		f, err := lineFilter(q)
		if err != nil {
			return nil, err
		}
		return s.List(ctx, f)
	}
	return (&Endpoint[models.Line, models.Line, int]{
		Codec: lineCodec{xivoLineNames},
		New: func() *models.Line {
			l := newLine()
			return &l
		},
		List:   list,
		Search: list,
	}).Over(s).Resource()
}
