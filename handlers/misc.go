package handlers

import (
	"context"

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

// ctiProfileWire is a CTI profile as cti/profiles lists it.
type ctiProfileWire struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// CTIProfiles is the read-only cti/profiles resource.
func CTIProfiles(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "list", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			ps, err := st.CTIProfiles.List(ctx)
			out := make([]ctiProfileWire, len(ps))
			for i, p := range ps {
				out[i] = ctiProfileWire{ID: p.ID, Name: p.Name}
			}
			return Items(out), err
		},
	}}
}
