package handlers

import (
	"context"
	"errors"
	"strconv"

	"pbxws/models"
)

// Check is the authentication probe: whoever passes the gate gets 200 "OK".
func Check() *Resource {
	return &Resource{DefaultAct: "check", Acts: map[string]Act{
		"check": func(context.Context, *Request) (Result, error) {
			return Result{Text: []byte("OK"), TextType: "text/plain; charset=utf-8"}, nil
		},
	}}
}

// PBXControl serves control_system/reload and control_system/restart: there is no Asterisk
// to send "core reload" to, so the request is recorded and announced on
// models.PBXControlChannel for the deployment's PBX host to act on; 200 with an empty body,
// as XiVO answered a command Asterisk took.
func PBXControl(st *models.Stores, action string) *Resource {
	return &Resource{DefaultAct: action, Acts: map[string]Act{
		action: func(ctx context.Context, r *Request) (Result, error) {
			_, err := st.PBXControl.Request(ctx, action, r.Account)
			return Done(), err
		},
	}}
}

// ctiProfileWire is a CTI profile as cti/profiles lists it.
type ctiProfileWire struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// ctiProfileCodec is the json.php form of CTI profiles: {id, name} rows, read only.
type ctiProfileCodec struct{ wireNames }

func (ctiProfileCodec) Rows(ps []models.CTIProfile) any {
	out := make([]ctiProfileWire, len(ps))
	for i, p := range ps {
		out[i] = ctiProfileWire{ID: p.ID, Name: p.Name}
	}
	return out
}
func (ctiProfileCodec) View(p *models.CTIProfile) any   { return ctiProfileWire{ID: p.ID, Name: p.Name} }
func (ctiProfileCodec) Key(p *models.CTIProfile) string { return strconv.Itoa(p.ID) }
func (ctiProfileCodec) Decode(map[string]any, *models.CTIProfile) (*models.CTIProfile, error) {
	return nil, errReadOnly
}

var errReadOnly = errors.New("handlers: a read-only resource decoded a body")

// CTIProfiles is the read-only cti/profiles resource.
func CTIProfiles(st *models.Stores) *Resource {
	return (&Endpoint[models.CTIProfile, models.CTIProfile, int]{
		Codec: ctiProfileCodec{},
		List:  func(ctx context.Context, _ Query) ([]models.CTIProfile, error) { return st.CTIProfiles.List(ctx) },
	}).Resource()
}
