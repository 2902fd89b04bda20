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
			u.Firstname = *l.OwnerFirstname
		}
		if l.OwnerLastname != nil {
			u.Lastname = *l.OwnerLastname
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

func linesToWire(ls []models.Line, registered map[int]bool) []jsonObject {
	out := make([]jsonObject, len(ls))
	for i := range ls {
		out[i] = lineToWire(&ls[i], registered[ls[i].ID])
	}
	return out
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
func lineFilter(r *Request) (models.LineFilter, error) {
	f := models.LineFilter{Protocol: r.Param("protocol"), Context: r.Param("context")}
	if r.HasParam("free") && r.Param("free") != "" {
		free := r.Param("free") != "0"
		f.Free = &free
	}
	switch f.Protocol {
	case "", "sip", "iax", "sccp", "custom":
	default:
		return f, models.Invalid("protocol", "must be one of: sip, iax, sccp, custom")
	}
	return f, nil
}

// Lines is the pbx_settings/lines resource.
func Lines(st *models.Stores) *Resource {
	s := st.Lines
	list := func(ctx context.Context, f models.LineFilter) (Result, error) {
		ls, err := s.List(ctx, f)
		if err != nil {
			return Result{}, err
		}
		reg, err := st.Lines.Registered(ctx, ls)
		return Items(linesToWire(ls, reg)), err
	}
	return &Resource{DefaultAct: "list", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			f, err := lineFilter(r)
			if err != nil {
				return Result{}, err
			}
			return list(ctx, f)
		},
		"search": func(ctx context.Context, r *Request) (Result, error) {
			f, err := lineFilter(r)
			if err != nil {
				return Result{}, err
			}
			if f.Search = r.Param("search"); f.Search == "" {
				return NoContent(), nil
			}
			return list(ctx, f)
		},
		"view": func(ctx context.Context, r *Request) (Result, error) {
			id, err := needIntID(r)
			if err != nil {
				return Result{}, err
			}
			l, err := s.Get(ctx, id)
			if err != nil {
				return Result{}, err
			}
			reg, err := st.Lines.Registered(ctx, []models.Line{*l})
			if err != nil {
				return Result{}, err
			}
			proto := newObject(12 + len(l.Options) + 4)
			for k, v := range models.OptionDefaults(l.Protocol) {
				proto.set(k, v)
			}
			for k, v := range l.Options {
				proto.set(k, v)
			}
			proto = append(proto, jsonObject{{"name", l.Name}, {"context", l.Context}, {"secret", l.Secret},
				{"protocol", l.Protocol}}...)
			return Object(jsonObject{{"linefeatures", lineToWire(l, reg[l.ID])}, {"protocol", proto},
				{"groupmember", false}, {"queuemember", false}, {"usermacro", false}, {"extenumbers", false},
				{"contextnummember", false}}), nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			l := newLine()
			if err := decodeLineBody(r.Body, &l); err != nil {
				return Result{}, err
			}
			if err := s.Create(ctx, &l); err != nil {
				return Result{}, err
			}
			return Created(strconv.Itoa(l.ID)), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := needIntID(r)
			if err != nil {
				return Result{}, err
			}
			return Done(), s.Edit(ctx, id, func(l *models.Line) (*models.Line, error) {
				return l, decodeLineBody(r.Body, l)
			})
		},
		"delete":    deleteByIntID(s.Delete),
		"deleteall": deleteAll(s.Count, s.DeleteAll),
	}}
}

// decodeLineBody applies a lines add/edit body: {"protocol": {peer…}, "linefeatures": {…}}.
// The peer's name/context/protocol become the line's; linefeatures may override line fields.
func decodeLineBody(b []byte, l *models.Line) error {
	body, err := DecodeBody(b)
	if err != nil {
		return err
	}
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	proto, hasProto := f.object("protocol")
	lf, hasLF := f.object("linefeatures")
	if !hasProto && !hasLF && errs.OrNil() == nil {
		// A flat body (the list row shape) is read as line fields.
		applyLine(l, f)
		return errs.OrNil()
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
	return errs.OrNil()
}
