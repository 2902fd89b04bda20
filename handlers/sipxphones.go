package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"pbxws/models"
)

// The sipX phone resources (sipx-rest.md §5.9): POST /phone makes devices of the XiVO
// devices model in bulk; GET /phone/{serialNumber}/profile/{name} writes one of a phone's
// provisioning files from the lines attached to it.

// SipxPhones is POST /phone: <phones><phone><serialNumber/><model/><description/><version/>
// </phone>…</phones>. Every phone is made or none (sipX skipped the bad ones silently); a
// refusal names the phone by position.
func SipxPhones(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "add", Acts: map[string]Act{
		"add": func(ctx context.Context, r *Request) (Result, error) {
			ds, err := decodeSipxPhones(r.Decoded)
			if err != nil {
				return Result{}, err
			}
			if err := st.Devices.CreateAll(ctx, ds); err != nil {
				return Result{}, sipxPhoneFields(err)
			}
			return Done(), nil
		},
	}}
}

func decodeSipxPhones(body map[string]any) ([]models.Device, error) {
	errs := &models.ValidationError{}
	v, ok := body["phones"]
	items, isList := sipxItems(v, "phone")
	switch {
	case !ok:
		return nil, models.Invalid("phones", "is required: the body is a <phones> element holding <phone> elements")
	case !isList:
		return nil, models.Invalid("phones", "must be a list of <phone> elements")
	case len(items) == 0:
		return nil, models.Invalid("phones", "must hold at least one <phone>")
	}
	ds := make([]models.Device, len(items))
	seen := map[string]int{}
	for i, it := range items {
		m, isObj := it.(map[string]any)
		prefix := fmt.Sprintf("phones[%d]", i)
		if !isObj {
			errs.Add(prefix, "must be a <phone> with serialNumber, model, description, version")
			continue
		}
		f := newFields(m, prefix+".", errs)
		var serial, modelID string
		d := &ds[i]
		f.strTrim("description", &d.Description)
		f.strTrim("version", &d.Version)
		if !f.strTrim("serialNumber", &serial) || serial == "" {
			f.fail("serialNumber", "is required")
		} else if mac, ok := models.NormalizeMAC(serial); !ok || strings.ContainsAny(serial, ":-") {
			f.fail("serialNumber", "must be a MAC address written as 12 hex digits (0004f280cc95)")
		} else if j, dup := seen[mac]; dup {
			f.fail("serialNumber", fmt.Sprintf("is also the serial number of phones[%d]", j))
		} else {
			seen[mac] = i
			d.MAC = mac
		}
		if !f.strTrim("model", &modelID) || modelID == "" {
			f.fail("model", "is required")
		} else if pm, known := models.PhoneModelByID(modelID); !known {
			f.fail("model", "is no phone model pbxws knows: one of "+phoneModelIDs())
		} else {
			d.Vendor, d.Model = pm.Vendor, pm.Model
			if d.Version != "" && !pm.HasVersion(d.Version) {
				f.fail("version", "must be one of the versions of "+pm.ID+": "+strings.Join(pm.Versions, ", "))
			}
		}
		if utf8.RuneCountInString(d.Description) > 255 {
			f.fail("description", "must be at most 255 characters")
		}
	}
	return ds, errs.OrNil()
}

func phoneModelIDs() string {
	ms := models.PhoneModels()
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return strings.Join(ids, ", ")
}

// sipxPhoneFields names a devices store refusal in sipX terms: devices[1].mac is
// phones[1].serialNumber.
func sipxPhoneFields(err error) error {
	rename := func(f string) string {
		f = strings.Replace(f, "devices[", "phones[", 1)
		return strings.Replace(f, "].mac", "].serialNumber", 1)
	}
	return renameFields(err, rename)
}

// renameFields renames the fields of a validation or conflict error (others pass as they
// are).
func renameFields(err error, rename func(string) string) error {
	switch e := err.(type) {
	case *models.ValidationError:
		out := &models.ValidationError{}
		for f, rule := range e.Fields {
			out.Add(rename(f), rule)
		}
		return out
	case *models.ConflictError:
		return &models.ConflictError{Field: rename(e.Field), Msg: strings.Replace(e.Msg, e.Field, rename(e.Field), 1)}
	}
	return err
}

// ProvisioningServer is where the profiles send phones to register.
type ProvisioningServer struct {
	Host string
	Port string
}

// SipxPhoneProfile is GET /phone/{serialNumber}/profile/{name}: the named profile of the
// phone's model, in its own content type; 404 for an unknown phone or profile name.
func SipxPhoneProfile(st *models.Stores, server func() ProvisioningServer) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			d, err := st.Devices.GetByMAC(ctx, r.PathParams["serialNumber"])
			if err != nil {
				return Result{}, err
			}
			pm := models.PhoneModelOf(d.Vendor, d.Model)
			p := phoneFacts{serial: strings.ReplaceAll(d.MAC, ":", ""), server: server(), lines: profileLines(d, pm)}
			for _, prof := range phoneProfiles[pm.Vendor] {
				if prof.name(p.serial) != r.PathParams["name"] {
					continue
				}
				// The phone's and its lines' effective settings (§7.5) go into its files.
				if p.settings, err = effectiveSettings(ctx, st, st.Phones.PhoneSettings, d.MAC); err != nil {
					return Result{}, err
				}
				for i, l := range p.lines {
					ref := models.PhoneLineSettingsRef(d.MAC, strconv.Itoa(l.id))
					if p.lines[i].settings, err = effectiveSettings(ctx, st, st.Phones.LineSettings, ref); err != nil {
						return Result{}, err
					}
				}
				return Result{Text: prof.write(p), TextType: prof.mime}, nil
			}
			return Result{}, models.ErrNotFound
		},
	}}
}

// effectiveSettings are an owner's effective setting values by path (no value: absent).
func effectiveSettings(ctx context.Context, st *models.Stores, kind *models.SettingsOwner, ref string) (map[string]string, error) {
	vals, _, err := st.SettingTrees.Read(ctx, kind, ref, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(vals))
	for _, v := range vals {
		if v.Value != nil && *v.Value != "" {
			out[v.Path()] = oneLine(*v.Value)
		}
	}
	return out, nil
}

// phoneFacts is what a profile is written from.
type phoneFacts struct {
	serial string // 12 lower-case hex digits
	server ProvisioningServer
	lines  []profileLine
	// settings are the phone's effective settings by path.
	settings map[string]string
}

// profileLine is one SIP line on a phone key.
type profileLine struct {
	id, slot                           int
	user, password, extension, display string
	settings                           map[string]string
}

// profileLines are the device's SIP lines by slot (the first line of a slot wins), the
// slots the model has keys for only.
func profileLines(d *models.Device, pm models.PhoneModel) []profileLine {
	var out []profileLine
	taken := map[int]bool{}
	for _, l := range d.Lines {
		if l.Protocol != "sip" || l.Commented || l.Num < 1 || l.Num > pm.MaxLines || taken[l.Num] {
			continue
		}
		taken[l.Num] = true
		display := l.Number
		u := models.User{}
		if l.OwnerFirstname != nil {
			u.FirstName = *l.OwnerFirstname
		}
		if l.OwnerLastname != nil {
			u.LastName = *l.OwnerLastname
		}
		if name := strings.TrimSpace(u.Fullname()); name != "" {
			display = name
		}
		out = append(out, profileLine{id: l.ID, slot: l.Num, user: l.Name, password: l.Secret, extension: l.Number, display: oneLine(display)})
	}
	return out
}

// oneLine keeps a value on its line of a profile.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// phoneProfile is one provisioning file of a vendor's phones.
type phoneProfile struct {
	name  func(serial string) string
	mime  string
	write func(p phoneFacts) []byte
}

// phoneProfiles are the files each vendor's phones fetch (the generic SIP phone has none).
var phoneProfiles = map[string][]phoneProfile{
	"Polycom": {
		{name: func(s string) string { return s + ".cfg" }, mime: "text/xml", write: polycomMaster},
		{name: func(s string) string { return s + "-sipx-phone.cfg" }, mime: "text/xml", write: polycomPhone},
	},
	"Yealink": {{name: func(s string) string { return s + ".cfg" }, mime: "text/plain", write: yealinkConfig}},
	"Aastra":  {{name: func(s string) string { return strings.ToUpper(s) + ".cfg" }, mime: "text/plain", write: aastraConfig}},
}

func xmlAttr(b *bytes.Buffer, name, value string) {
	b.WriteString(" " + name + `="`)
	_ = xml.EscapeText(b, []byte(value))
	b.WriteByte('"')
}

// polycomMaster is the master file: which configuration files the phone loads.
func polycomMaster(p phoneFacts) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<APPLICATION")
	xmlAttr(&b, "APP_FILE_PATH", "sip.ld")
	xmlAttr(&b, "CONFIG_FILES", p.serial+"-sipx-phone.cfg")
	b.WriteString("/>\n")
	return b.Bytes()
}

// polycomPhone is the registrations file: one reg.N group a line.
func polycomPhone(p phoneFacts) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<phone>\n  <reg")
	for _, l := range p.lines {
		n := fmt.Sprintf("reg.%d.", l.slot)
		xmlAttr(&b, n+"displayName", l.display)
		xmlAttr(&b, n+"address", l.user+"@"+p.server.Host)
		xmlAttr(&b, n+"label", orDefault(l.settings["reg/label"], l.extension))
		xmlAttr(&b, n+"auth.userId", l.user)
		xmlAttr(&b, n+"auth.password", l.password)
		xmlAttr(&b, n+"server.1.address", p.server.Host)
		xmlAttr(&b, n+"server.1.port", p.server.Port)
		settingAttrs(&b, l.settings, map[string]string{"reg/callsPerLineKey": n + "callsPerLineKey", "reg/ringType": n + "ringType"})
	}
	b.WriteString("/>\n")
	// The phone's settings, one element per group, each leaf an attribute named as Polycom does.
	for _, g := range []struct {
		element string
		attrs   map[string]string
	}{
		{"tcpIpApp", map[string]string{"tcpIpApp/sntp/address": "tcpIpApp.sntp.address", "tcpIpApp/sntp/gmtOffset": "tcpIpApp.sntp.gmtOffset",
			"tcpIpApp/sntp/daylightSavings": "tcpIpApp.sntp.daylightSavings.enable"}},
		{"dialplan", map[string]string{"dialplan/digitmap": "dialplan.digitmap", "dialplan/impossibleMatchHandling": "dialplan.impossibleMatchHandling"}},
		{"up", map[string]string{"up/backlightIdleIntensity": "up.backlight.idleIntensity"}},
	} {
		b.WriteString("  <" + g.element)
		settingAttrs(&b, p.settings, g.attrs)
		b.WriteString("/>\n")
	}
	b.WriteString("</phone>\n")
	return b.Bytes()
}

// yealinkConfig is the phone's key = value file.
func yealinkConfig(p phoneFacts) []byte {
	var b bytes.Buffer
	b.WriteString("#!version:1.0.0.1\n")
	for _, k := range []struct{ path, key string }{{"time/ntpServer1", "local_time.ntp_server1"}, {"time/ntpServer2", "local_time.ntp_server2"},
		{"time/timeZone", "local_time.time_zone"}, {"time/timeFormat", "local_time.time_format"},
		{"dialplan/dialNow", "dialplan.dialnow.rule.1"}, {"dialplan/areaCode", "dialplan.area_code.code"}, {"phone/lcdLogo", "phone_setting.lcd_logo.mode"}} {
		if v, ok := p.settings[k.path]; ok {
			if k.path == "time/timeZone" {
				v = utcHours(v)
			}
			fmt.Fprintf(&b, "%s = %s\n", k.key, v)
		}
	}
	for _, l := range p.lines {
		set := func(k, v string) { fmt.Fprintf(&b, "account.%d.%s = %s\n", l.slot, k, v) }
		set("enable", "1")
		set("label", orDefault(l.settings["account/label"], l.extension))
		for _, k := range []struct{ path, key string }{{"account/ringtone", "ringtone.ring_type"}, {"account/autoAnswer", "auto_answer"}} {
			if v, ok := l.settings[k.path]; ok {
				set(k.key, v)
			}
		}
		set("display_name", l.display)
		set("auth_name", l.user)
		set("user_name", l.user)
		set("password", l.password)
		set("sip_server.1.address", p.server.Host)
		set("sip_server.1.port", p.server.Port)
	}
	return b.Bytes()
}

// aastraConfig is the phone's "key: value" file.
func aastraConfig(p phoneFacts) []byte {
	var b bytes.Buffer
	for _, k := range []struct{ path, key string }{{"time/timeServer1", "time server1"}, {"time/timeZoneName", "time zone name"},
		{"dialplan/dialPlan", "sip dial plan"}, {"dialplan/digitTimeout", "sip digit timeout"}} {
		if v, ok := p.settings[k.path]; ok {
			if k.path == "dialplan/dialPlan" {
				v = `"` + strings.ReplaceAll(v, `"`, "") + `"`
			}
			fmt.Fprintf(&b, "%s: %s\n", k.key, v)
		}
	}
	for _, l := range p.lines {
		set := func(k, v string) { fmt.Fprintf(&b, "sip line%d %s: %s\n", l.slot, k, v) }
		for _, k := range []struct{ path, key string }{{"line/screenName", "screen name 2"}, {"line/callWaiting", "call waiting"}} {
			if v, ok := l.settings[k.path]; ok {
				set(k.key, v)
			}
		}
		set("auth name", l.user)
		set("user name", l.user)
		set("password", l.password)
		set("display name", l.display)
		set("screen name", l.extension)
		set("proxy ip", p.server.Host)
		set("proxy port", p.server.Port)
		set("registrar ip", p.server.Host)
		set("registrar port", p.server.Port)
	}
	return b.Bytes()
}

// settingAttrs writes the settings present as XML attributes, by attribute name.
func settingAttrs(b *bytes.Buffer, settings map[string]string, attrs map[string]string) {
	names := make([]string, 0, len(attrs))
	for path := range attrs {
		names = append(names, path)
	}
	sort.Strings(names)
	for _, path := range names {
		if v, ok := settings[path]; ok {
			xmlAttr(b, attrs[path], v)
		}
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// utcHours is an offset in seconds as Yealink writes a time zone: hours, "+1", "-5", "+5.5".
func utcHours(seconds string) string {
	n, err := strconv.Atoi(seconds)
	if err != nil {
		return seconds
	}
	h := strconv.FormatFloat(float64(n)/3600, 'f', -1, 64)
	if n >= 0 {
		h = "+" + h
	}
	return h
}
