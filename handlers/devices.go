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

func devicesToWire(ctx context.Context, st *models.Stores, ds []models.Device) ([]deviceWire, error) {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	ls, err := st.Devices.Lines(ctx, ids)
	if err != nil {
		return nil, err
	}
	byDev := map[string][]deviceLineWire{}
	for _, l := range ls {
		byDev[*l.DeviceID] = append(byDev[*l.DeviceID], deviceLineWire{ID: l.ID, Number: l.Number,
			Context: l.Context, Protocol: l.Protocol, Name: l.Name, Num: l.Num})
	}
	out := make([]deviceWire, len(ds))
	for i, d := range ds {
		lines := byDev[d.ID]
		if lines == nil {
			lines = []deviceLineWire{}
		}
		out[i] = deviceWire{ID: d.ID, IP: d.IP, MAC: d.MAC, Plugin: d.Plugin, Vendor: d.Vendor,
			Model: d.Model, Version: d.Version, Status: d.Status, TemplateID: d.TemplateID, SN: d.SN,
			Proto: d.Proto, Description: d.Description, Configured: d.Configured,
			Commented: d.Commented, Lines: lines}
	}
	return out, nil
}

// decodeDevice applies a flat body, or one wrapped in "devicefeatures", onto d.
func decodeDevice(b []byte, d *models.Device) error {
	body, err := DecodeBody(b)
	if err != nil {
		return err
	}
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
	return errs.OrNil()
}

// Devices is the pbx_settings/devices resource (ids are opaque strings).
func Devices(st *models.Stores) *Resource {
	s := st.Devices
	items := func(ctx context.Context, ds []models.Device, err error) (Result, error) {
		if err != nil {
			return Result{}, err
		}
		out, err := devicesToWire(ctx, st, ds)
		return Items(out), err
	}
	return &Resource{DefaultAct: "list", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			ds, err := s.List(ctx)
			return items(ctx, ds, err)
		},
		"search": func(ctx context.Context, r *Request) (Result, error) {
			term := r.Param("search")
			if term == "" {
				return NoContent(), nil
			}
			ds, err := s.Search(ctx, term)
			return items(ctx, ds, err)
		},
		"view": func(ctx context.Context, r *Request) (Result, error) {
			id, err := needID(r)
			if err != nil {
				return Result{}, err
			}
			d, err := s.Get(ctx, id)
			if err != nil {
				return Result{}, err
			}
			out, err := devicesToWire(ctx, st, []models.Device{*d})
			if err != nil {
				return Result{}, err
			}
			return Object(out[0]), nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			d := &models.Device{Proto: "SIP", TemplateID: "defaultconfigdevice", Status: "not_configured"}
			if err := decodeDevice(r.Body, d); err != nil {
				return Result{}, err
			}
			if err := s.Create(ctx, d); err != nil {
				return Result{}, err
			}
			return Created(d.ID), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := needID(r)
			if err != nil {
				return Result{}, err
			}
			return Done(), s.Edit(ctx, id, func(d *models.Device) (*models.Device, error) {
				return d, decodeDevice(r.Body, d)
			})
		},
		"delete": deleteByID(s.Delete),
	}}
}
