package handlers

import (
	"context"

	"pbxws/models"
)

// deviceLineWire is a line as a device answer lists it.
type deviceLineWire struct {
	ID       int    `json:"id"`
	Number   string `json:"number"`
	Context  string `json:"context"`
	Protocol string `json:"protocol"`
	Name     string `json:"name"`
	Num      int    `json:"num"`
}

// deviceWire is a device as xivo-ws reads it: one flat object with an opaque string id, plus
// every line attached to it.
type deviceWire struct {
	ID          string           `json:"id"`
	IP          string           `json:"ip"`
	MAC         string           `json:"mac"`
	Plugin      string           `json:"plugin"`
	Vendor      string           `json:"vendor"`
	Model       string           `json:"model"`
	Version     string           `json:"version"`
	Status      string           `json:"status"`
	TemplateID  string           `json:"template_id"`
	SN          string           `json:"sn"`
	Proto       string           `json:"proto"`
	Description string           `json:"description"`
	Configured  bool             `json:"configured"`
	Commented   bool             `json:"commented"`
	Lines       []deviceLineWire `json:"lines"`
}

func deviceToWire(d *models.Device) deviceWire {
	lines := make([]deviceLineWire, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = deviceLineWire{ID: l.ID, Number: l.Number, Context: l.Context, Protocol: l.Protocol, Name: l.Name, Num: l.Num}
	}
	return deviceWire{ID: d.ID, IP: d.IP, MAC: d.MAC, Plugin: d.Plugin, Vendor: d.Vendor,
		Model: d.Model, Version: d.Version, Status: d.Status, TemplateID: d.TemplateID, SN: d.SN,
		Proto: d.Proto, Description: d.Description, Configured: d.Configured,
		Commented: d.Commented, Lines: lines}
}

// deviceCodec is the json.php form of devices: a flat object (or one wrapped in
// "devicefeatures") with an opaque string id.
type deviceCodec struct{ wireNames }

var xivoDeviceNames = names(map[string]string{"device": ""}, nil, models.Device{})

func (deviceCodec) Rows(ds []models.Device) any {
	out := make([]deviceWire, len(ds))
	for i := range ds {
		out[i] = deviceToWire(&ds[i])
	}
	return out
}
func (deviceCodec) View(d *models.Device) any   { return deviceToWire(d) }
func (deviceCodec) Key(d *models.Device) string { return d.ID }

func (deviceCodec) Decode(body map[string]any, d *models.Device) (*models.Device, error) {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	if inner, ok := f.object("devicefeatures"); ok {
		f = f.sub("devicefeatures", inner)
	}
	if d.ID == "" {
		f.strTrim("id", &d.ID)
	}
	f.strTrim("mac", &d.MAC)
	f.strTrim("ip", &d.IP)
	f.strTrim("vendor", &d.Vendor)
	f.strTrim("model", &d.Model)
	f.strTrim("version", &d.Version)
	f.strTrim("plugin", &d.Plugin)
	f.strTrim("sn", &d.SN)
	f.strTrim("proto", &d.Proto)
	f.strTrim("template_id", &d.TemplateID)
	f.strTrim("config", &d.TemplateID)
	f.strTrim("status", &d.Status)
	f.boolean("configured", &d.Configured)
	f.boolean("commented", &d.Commented)
	f.str("description", &d.Description)
	return d, errs.OrNil()
}

// Devices is the pbx_settings/devices resource (ids are opaque strings).
func Devices(st *models.Stores) *Resource {
	s := st.Devices
	return (&Endpoint[models.Device, models.Device, string]{
		Codec: deviceCodec{xivoDeviceNames},
		New: func() *models.Device {
			return &models.Device{Proto: "SIP", TemplateID: "defaultconfigdevice", Status: "not_configured"}
		},
		List:   func(ctx context.Context, _ Query) ([]models.Device, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Device, error) { return s.Search(ctx, q.Search) },
	}).Over(s).Resource()
}
