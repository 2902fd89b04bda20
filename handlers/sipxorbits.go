package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX /api/orbits resources (sipx-api.md §11) over the XiVO parking lots
// (pbx_services/parkinglot): name, extension, description and enabled (not commented) are
// the lot's; music (a file of the orbits prompt family) and server are sipX's alone; the
// lot's context, positions, timeouts, transfers and the XiVO-only fields are kept as they
// are by every sipX write (the settings tree, /orbits/{id}/settings, maps the others).

var errOrbitNotFound = &APIError{Status: http.StatusNotFound, Msg: "Orbit not found"}

// orbitWireNames are the bean's names of the parking lot's fields, for errors.
var orbitWireNames = map[string]string{
	"parking_lot.name": "name", "parking_lot.number": "extension", "parking_lot.description": "description",
	"parking_lot.context": "context", "parking_lot.music": "music", "parking_lot.server": "server",
}

// orbitErr names a model error's fields as the bean does.
func orbitErr(err error) error {
	var ve *models.ValidationError
	var ce *models.ConflictError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return errOrbitNotFound
	case errors.As(err, &ve):
		out := &models.ValidationError{}
		for f, rule := range ve.Fields {
			if w, ok := orbitWireNames[f]; ok {
				f = w
			}
			out.Add(f, rule)
		}
		return out
	case errors.As(err, &ce):
		msg := ce.Msg
		if w, ok := orbitWireNames[ce.Field]; ok {
			msg = strings.Replace(msg, ce.Field, w, 1)
		}
		return &APIError{Status: http.StatusConflict, Msg: msg}
	}
	return err
}

// orbitBean is a parking lot as §11 shows an orbit.
func orbitBean(p *models.ParkingLot, server APIServer) APIObject {
	var desc, music, fqdn any
	if p.Description != "" {
		desc = p.Description
	}
	if p.Music != nil {
		music = *p.Music
	}
	if p.ServerID == server.ID && server.FQDN != nil {
		fqdn = server.FQDN()
	}
	return APIObject{{Name: "id", Value: p.ID}, {Name: "name", Value: p.Name}, {Name: "enabled", Value: !p.Commented},
		{Name: "extension", Value: p.Number}, {Name: "description", Value: desc}, {Name: "music", Value: music},
		{Name: "server", Value: fqdn}}
}

// orbitInput is what a POST or PUT body says; nil parts were absent.
type orbitInput struct {
	name, extension, description *string
	enabled                      *bool
	music                        **string
	server                       *int
}

func decodeOrbitBody(ctx context.Context, st *models.Stores, r *Request, server APIServer) (*orbitInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Orbit", "orbit")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	in := &orbitInput{}
	var s string
	if f.strTrim("name", &s) {
		v := s
		in.name = &v
	}
	if f.strTrim("extension", &s) {
		v := s
		in.extension = &v
	}
	if v, ok := body["description"]; ok {
		d := ""
		if v != nil {
			f.str("description", &d)
		}
		in.description = &d
	}
	var b bool
	if f.boolean("enabled", &b) {
		in.enabled = &b
	}
	if v, ok := body["music"]; ok {
		var m *string
		if v != nil {
			var name string
			if f.strTrim("music", &name) && name != "" {
				m = &name
			}
		}
		in.music = &m
	}
	if v, ok := body["server"]; ok && v != nil {
		var x string
		if f.strTrim("server", &x) {
			if !server.matches(x) {
				return nil, &APIError{Status: http.StatusBadRequest, Msg: "No such server"}
			}
			id := server.ID
			in.server = &id
		}
	}
	if err := errs.OrNil(); err != nil {
		return nil, err
	}
	if in.music != nil && *in.music != nil {
		ok, err := st.AudioFiles.Exists(ctx, "orbits", **in.music)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &APIError{Status: http.StatusBadRequest, Msg: "Prompt not found"}
		}
	}
	return in, nil
}

// apply puts the body's fields onto a parking lot.
func (in *orbitInput) apply(p *models.ParkingLot) {
	if in.name != nil {
		p.Name = *in.name
	}
	if in.extension != nil {
		p.Number = *in.extension
	}
	if in.description != nil {
		p.Description = *in.description
	}
	if in.enabled != nil {
		p.Commented = !*in.enabled
	}
	if in.music != nil {
		p.Music = *in.music
	}
	if in.server != nil {
		p.ServerID = *in.server
	}
}

// APIOrbits is /api/orbits and below (§11). PathParams: "id" an orbit, "server" a server
// (§2.6) whose orbits a list, create or delete concerns.
func APIOrbits(st *models.Stores, server APIServer) *Resource {
	s := st.ParkingLots
	one := func(ctx context.Context, r *Request) (*models.ParkingLot, error) {
		id, ok := ParseID(r.PathParams["id"])
		if !ok {
			return nil, errOrbitNotFound
		}
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, orbitErr(err)
		}
		return p, nil
	}
	// serverOf is the path's server: 0 when the path names none, a 404 when it names another.
	serverOf := func(r *Request) (int, error) {
		x, ok := r.PathParams["server"]
		if !ok {
			return 0, nil
		}
		if !server.matches(x) {
			return 0, &APIError{Status: http.StatusNotFound, Msg: "Server not found"}
		}
		return server.ID, nil
	}
	idText := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/orbits/" + strconv.Itoa(id)}}}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			on, err := serverOf(r)
			if err != nil {
				return Result{}, err
			}
			lots, err := s.List(ctx)
			if err != nil {
				return Result{}, err
			}
			items := []any{}
			for i := range lots {
				if on == 0 || lots[i].ServerID == on {
					items = append(items, orbitBean(&lots[i], server))
				}
			}
			return Result{JSON: APIDoc{Root: "Orbits", Key: "orbits", Value: APIList{Item: "Orbit", Items: items}}}, nil
		},
		"view": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: APIDoc{Root: "Orbit", Value: orbitBean(p, server)}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			on, err := serverOf(r)
			if err != nil {
				return Result{}, err
			}
			in, err := decodeOrbitBody(ctx, st, r, server)
			if err != nil {
				return Result{}, err
			}
			if in.name == nil || *in.name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			if in.extension == nil || *in.extension == "" {
				return Result{}, models.Invalid("extension", "is required")
			}
			ctxName, err := s.DefaultContext(ctx)
			if errors.Is(err, models.ErrNotFound) {
				return Result{}, models.Invalid("extension", "needs an internal context to be dialled in, and there is none")
			} else if err != nil {
				return Result{}, err
			}
			// The settings' defaults (§11): one position, no timeout, no transfers.
			p := &models.ParkingLot{Context: ctxName, Positions: 1, ServerID: server.ID}
			in.apply(p)
			if on != 0 {
				p.ServerID = on
			}
			if err := s.Create(ctx, p); err != nil {
				return Result{}, orbitErr(err)
			}
			return idText(p.ID), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			in, err := decodeOrbitBody(ctx, st, r, server)
			if err != nil {
				return Result{}, err
			}
			for field, v := range map[string]*string{"name": in.name, "extension": in.extension} {
				if v != nil && *v == "" {
					return Result{}, models.Invalid(field, "is required")
				}
			}
			err = s.Edit(ctx, p.ID, func(stored *models.ParkingLot) (*models.ParkingLot, error) {
				in.apply(stored)
				return stored, nil
			})
			if err != nil {
				return Result{}, orbitErr(err)
			}
			return idText(p.ID), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			p, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Done(), orbitErr(s.Delete(ctx, p.ID))
		},
		"deleteServer": func(ctx context.Context, r *Request) (Result, error) {
			on, err := serverOf(r)
			if err != nil {
				return Result{}, err
			}
			_, err = s.DeleteOnServer(ctx, on)
			return Done(), err
		},
	}}
}
