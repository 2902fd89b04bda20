package handlers

import (
	"context"
	"strconv"
	"strings"

	"pbxws/models"
)

// trunkCodec is the json.php form of the trunks of one protocol (trunk_management/sip, iax,
// custom): add and edit take {"trunkfeatures": {…}, "protocol": {peer…}, "register": {…}},
// list rows are the peer merged with the trunk's features, views nest the three parts. The
// three endpoints share it; only the protocol differs.
type trunkCodec struct {
	wireNames
	protocol string
}

var xivoTrunkNames = names(map[string]string{"trunk": "protocol", "options": ""},
	map[string]string{"trunk.description": "trunkfeatures.description"},
	models.Trunk{}, models.TrunkRegister{})

// peer is the trunk's peer settings as the protocol section shows them: the documented
// defaults, the stored settings, the typed columns.
func (c trunkCodec) peer(t *models.Trunk, view bool) jsonObject {
	o := newObject(64)
	for _, k := range models.TrunkOptionKeys(t.Protocol) {
		v, ok := t.Options[k]
		if !ok {
			v = models.TrunkOptionDefault(t.Protocol, k)
		}
		o.set(k, v)
	}
	if t.Protocol == "custom" {
		o = append(o, jsonObject{{"name", t.Name}, {"context", t.Context}, {"interface", t.Interface},
			{"intfsuffix", ""}, {"protocol", t.Protocol}, {"commented", t.Commented}}...)
		return o
	}
	if view {
		allow := []string{}
		if a := t.Options["allow"]; a != "" {
			allow = strings.Split(a, ",")
		}
		o.set("allow", allow)
	}
	o = append(o, jsonObject{{"name", t.Name}, {"context", t.Context}, {"type", t.Type},
		{"username", t.Username}, {"secret", t.Secret}, {"host", t.Host}, {"protocol", t.Protocol},
		{"commented", t.Commented}}...)
	if t.Protocol == "sip" {
		o.set("transport", t.Transport)
	}
	return o
}

func registerWire(r *models.TrunkRegister) any {
	if r == nil {
		return false
	}
	return jsonObject{{"transport", r.Transport}, {"username", r.Username}, {"password", r.Password},
		{"authuser", r.AuthUser}, {"host", r.Host}, {"port", r.Port}, {"contact", r.Contact},
		{"expiry", r.Expiry}, {"commented", r.Commented}}
}

func trunkIdentity(t *models.Trunk) string {
	if t.Protocol == "custom" {
		return t.Interface
	}
	return strings.ToUpper(t.Protocol) + "/" + t.Name
}

func (c trunkCodec) Rows(ts []models.Trunk) any {
	out := make([]jsonObject, len(ts))
	for i := range ts {
		t := &ts[i]
		o := c.peer(t, false)
		if cl, ok := t.Options["call-limit"]; t.Protocol == "sip" && (!ok || cl == "0") {
			o.set("call-limit", "")
		}
		o = append(o, jsonObject{{"id", t.ID}, {"protocolid", t.ID}, {"description", t.Description},
			{"identity", trunkIdentity(t)}}...)
		if t.Protocol != "custom" {
			o.set("register", registerWire(t.Register))
		}
		out[i] = o
	}
	return out
}

func (c trunkCodec) View(t *models.Trunk) any {
	registerID, registerCommented := 0, false
	if t.Register != nil {
		registerID, registerCommented = t.ID, t.Register.Commented
	}
	v := jsonObject{
		{"trunkfeatures", jsonObject{{"id", t.ID}, {"protocol", t.Protocol}, {"protocolid", t.ID},
			{"registerid", registerID}, {"registercommented", registerCommented}, {"description", t.Description}}},
		{"protocol", c.peer(t, true)},
	}
	if t.Protocol != "custom" {
		v.set("register", registerWire(t.Register))
	}
	return v
}

func (trunkCodec) Key(t *models.Trunk) string { return strconv.Itoa(t.ID) }

// Decode applies an add or edit body. The peer's protocol is the endpoint's whatever the
// body says; host-type/host-static are the web form's way of giving the host.
func (c trunkCodec) Decode(body map[string]any, t *models.Trunk) (*models.Trunk, error) {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	proto, hasProto := top.object("protocol")
	features, hasFeatures := top.object("trunkfeatures")
	if t.ID == 0 {
		if !hasProto {
			errs.Add("protocol", "is required: the peer settings of the trunk (name, context…)")
		}
		if !hasFeatures {
			errs.Add("trunkfeatures", "is required: an object (may be empty)")
		}
	}
	t.Protocol = c.protocol
	if t.Options == nil {
		t.Options = models.Options{}
	} else {
		t.Options = models.Options(cloneMap(t.Options))
	}
	if hasProto {
		f := top.sub("protocol", proto)
		f.strTrim("name", &t.Name)
		f.strTrim("context", &t.Context)
		f.boolean("commented", &t.Commented)
		if c.protocol == "custom" {
			f.strTrim("interface", &t.Interface)
		} else {
			f.strTrim("type", &t.Type)
			f.str("username", &t.Username)
			f.str("secret", &t.Secret)
			decodeHost(f, &t.Host)
			if c.protocol == "sip" {
				f.strTrim("transport", &t.Transport)
			}
			for _, k := range models.TrunkOptionKeys(c.protocol) {
				if k == "allow" {
					if allow, ok := textList(f, "allow"); ok {
						t.Options["allow"] = allow
					}
					continue
				}
				var v string
				if f.strTrim(k, &v) {
					t.Options[k] = v
				}
			}
		}
	}
	if hasFeatures {
		top.sub("trunkfeatures", features).str("description", &t.Description)
	}
	if reg, ok := top.object("register"); ok && c.protocol != "custom" {
		t.Register = decodeRegister(top.sub("register", reg), reg, t.Register)
	}
	return t, errs.OrNil()
}

// decodeHost reads host, or host-type (dynamic|static) with host-static.
func decodeHost(f fields, host *string) {
	var kind string
	if !f.strTrim("host-type", &kind) {
		f.strTrim("host", host)
		return
	}
	switch strings.ToLower(kind) {
	case "dynamic":
		*host = "dynamic"
	case "static":
		var h string
		if !f.strTrim("host-static", &h) || h == "" {
			f.fail("host-static", "is required when host-type is static")
			return
		}
		*host = h
	default:
		f.fail("host-type", "must be dynamic or static")
	}
}

// decodeRegister applies a register object onto the stored registration; one whose user
// name and host are both empty means "no registration".
func decodeRegister(f fields, m map[string]any, stored *models.TrunkRegister) *models.TrunkRegister {
	r := models.TrunkRegister{}
	if stored != nil {
		r = *stored
	}
	f.strTrim("transport", &r.Transport)
	f.str("username", &r.Username)
	f.str("password", &r.Password)
	f.str("authuser", &r.AuthUser)
	f.strTrim("host", &r.Host)
	f.strTrim("port", &r.Port)
	f.str("contact", &r.Contact)
	f.strTrim("expiry", &r.Expiry)
	f.boolean("commented", &r.Commented)
	if r.Username == "" && r.Host == "" {
		return nil
	}
	return &r
}

// textList reads a list of names (["alaw", "ulaw"]) or a comma-separated string as one
// comma-separated string.
func textList(f fields, key string) (string, bool) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return "", false
	}
	list, isList := v.([]any)
	if !isList {
		var s string
		return s, f.strTrim(key, &s)
	}
	parts := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := scalarText(x)
		if !ok || strings.Contains(s, ",") {
			f.fail(key, "must be a list of names or a comma-separated string")
			return "", false
		}
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ","), true
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Trunks is the trunk_management/<protocol> resource (sip, iax or custom). SIP trunks also
// have edit and deleteall, as in XiVO.
func Trunks(st *models.Stores, protocol string) *Resource {
	s := st.Trunks
	e := &Endpoint[models.Trunk, models.Trunk, int]{
		Codec: trunkCodec{xivoTrunkNames, protocol},
		New: func() *models.Trunk {
			t := &models.Trunk{Protocol: protocol, Type: "peer", Host: "dynamic", Options: models.Options{}}
			if protocol == "sip" {
				t.Transport = "udp"
			}
			return t
		},
		List: func(ctx context.Context, _ Query) ([]models.Trunk, error) { return s.List(ctx, protocol) },
		Search: func(ctx context.Context, q Query) ([]models.Trunk, error) {
			return s.Search(ctx, protocol, q.Search)
		},
		Get:    func(ctx context.Context, id int) (*models.Trunk, error) { return s.Get(ctx, protocol, id) },
		Create: s.Create,
		Delete: func(ctx context.Context, id int) error { return s.Delete(ctx, protocol, id) },
	}
	if protocol == "sip" {
		e.Edit = func(ctx context.Context, id int, merge func(*models.Trunk) (*models.Trunk, error)) error {
			return s.Edit(ctx, protocol, id, merge)
		}
		e.DeleteAll = func(ctx context.Context) (int, error) { return s.DeleteAll(ctx, protocol) }
	}
	return e.Resource()
}
