package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"pbxws/models"
)

// The sipX e911 resources (seed 001, "Using the e911 REST API"): emergency response
// locations (ERLs) by ELIN, and the ERL of a user, a user group, a phone and the phones of
// a phone group. An ERL is <e911Location><location/><elin/><addressInfo/><description/>
// </e911Location> (a phone's adds <serial/>); lists are <e911Locations>.

// ERLMedia is what the ERL resources answer, the default first; a user's ERL is plain text
// (its ELIN) first, as the seed documents.
var (
	ERLMedia      = []string{"text/xml", "application/json"}
	UserERLMedia  = []string{"text/plain", "text/xml", "application/json"}
	GroupERLMedia = []string{"text/xml", "application/json", "text/plain"}
)

func erlObject(e *models.ERL, serial string) SipxObject {
	o := SipxObject{}
	if e != nil {
		o = SipxObject{{Name: "location", Value: e.Location}, {Name: "elin", Value: e.ELIN}, {Name: "addressInfo", Value: e.AddressInfo}, {Name: "description", Value: e.Description}}
	}
	if serial != "" {
		o = append(o, SipxField{Name: "serial", Value: serial})
	}
	return o
}

func erlList(items []any) SipxDoc {
	return SipxDoc{Root: "e911Locations", Value: SipxList{Item: "e911Location", Items: items}}
}

// phoneERLList is a list of phones' ERLs: a phone with none shows its serial only.
func phoneERLList(ps []models.PhoneERL) SipxDoc {
	items := make([]any, len(ps))
	for i, p := range ps {
		items[i] = erlObject(p.ERL, strings.ReplaceAll(p.MAC, ":", ""))
	}
	return erlList(items)
}

// erlWireField names a canonical ERL field in the seed's terms.
func erlWireField(f string) string {
	f = strings.Replace(f, "erls[", "e911Locations[", 1)
	f = strings.Replace(f, "phones[", "e911Locations[", 1)
	f = strings.TrimPrefix(f, "erl.")
	f = strings.Replace(f, "address_info", "addressInfo", 1)
	return strings.Replace(f, "].mac", "].serial", 1)
}

// decodeERL reads an e911Location's fields onto e (absent ones stay).
func decodeERL(f fields, e *models.ERL) {
	f.strTrim("elin", &e.ELIN)
	f.strTrim("location", &e.Location)
	f.strTrim("addressInfo", &e.AddressInfo)
	f.strTrim("description", &e.Description)
}

// erlItems reads <e911Locations><e911Location>…</e911Location>…</e911Locations> (JSON:
// {"e911Locations": [{…}, …]}), calling read for each item with its fields.
func erlItems(body map[string]any, read func(i int, f fields)) error {
	v, ok := body["e911Locations"]
	items, isList := sipxItems(v, "e911Location")
	switch {
	case !ok:
		return models.Invalid("e911Locations", "is required: the body is an <e911Locations> element holding <e911Location> elements")
	case !isList:
		return models.Invalid("e911Locations", "must be a list of <e911Location> elements")
	case len(items) == 0:
		return models.Invalid("e911Locations", "must hold at least one <e911Location>")
	}
	errs := &models.ValidationError{}
	for i, it := range items {
		m, isObj := it.(map[string]any)
		prefix := fmt.Sprintf("e911Locations[%d]", i)
		if !isObj {
			errs.Add(prefix, "must be an <e911Location>")
			continue
		}
		read(i, newFields(m, prefix+".", errs))
	}
	return errs.OrNil()
}

// decodeERLs reads the ERLs of PUT /erls.
func decodeERLs(body map[string]any) ([]models.ERL, error) {
	var es []models.ERL
	err := erlItems(body, func(_ int, f fields) {
		var e models.ERL
		decodeERL(f, &e)
		es = append(es, e)
	})
	return es, err
}

// notFound answers 404 with a sentence saying what is missing.
func notFound(msg string) (Result, error) {
	return Result{Status: http.StatusNotFound, Text: []byte(msg + "\n"), TextType: "text/plain; charset=utf-8"}, nil
}

// SipxERLs is /erls: GET lists every ERL, PUT saves a list of ERLs (created or replaced by
// ELIN, all or none), DELETE ?elin=… deletes the ERLs of the ELINs given (all or none).
func SipxERLs(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, _ *Request) (Result, error) {
			es, err := st.ERLs.List(ctx)
			items := make([]any, len(es))
			for i := range es {
				items[i] = erlObject(&es[i], "")
			}
			return Object(erlList(items)), err
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			es, err := decodeERLs(r.Decoded)
			if err != nil {
				return Result{}, err
			}
			return Done(), renameFields(st.ERLs.SaveAll(ctx, es), erlWireField)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			var elins []string
			for _, v := range r.Query["elin"] {
				for _, e := range strings.Split(v, ",") {
					if e = strings.TrimSpace(e); e != "" {
						elins = append(elins, e)
					}
				}
			}
			if len(elins) == 0 {
				return Result{}, models.Invalid("elin", "is required: DELETE /erls?elin=4235551212 (repeat elin= or separate ELINs by commas for more)")
			}
			err := st.ERLs.Delete(ctx, elins)
			if errors.Is(err, models.ErrNotFound) {
				return notFound(strings.TrimSuffix(err.Error(), ": not found") + ": no such ERL: nothing was deleted")
			}
			return Done(), err
		},
	}}
}

// SipxERL is /erl/elin/{elin}: GET the ERL, PUT changes its location, address and
// description (what the body leaves out stays), DELETE removes it.
func SipxERL(st *models.Stores) *Resource {
	missing := func(elin string) (Result, error) { return notFound("no ERL has the ELIN " + elin) }
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			e, err := st.ERLs.Get(ctx, r.ID)
			if errors.Is(err, models.ErrNotFound) {
				return missing(r.ID)
			}
			if err != nil {
				return Result{}, err
			}
			return Object(SipxDoc{Root: "e911Location", Value: erlObject(e, "")}), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			err := st.ERLs.Edit(ctx, r.ID, func(stored *models.ERL) (*models.ERL, error) {
				errs := &models.ValidationError{}
				f, ok := sipxRoot(r.Decoded, "e911Location", errs)
				if !ok {
					return nil, errs
				}
				e := *stored
				decodeERL(f, &e)
				if e.ELIN != stored.ELIN {
					errs.Add("elin", "must be the ELIN of the path ("+stored.ELIN+"): an ERL keeps its ELIN")
				}
				return &e, errs.OrNil()
			})
			if errors.Is(err, models.ErrNotFound) {
				return missing(r.ID)
			}
			return Done(), renameFields(err, erlWireField)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			if err := st.ERLs.Delete(ctx, []string{r.ID}); errors.Is(err, models.ErrNotFound) {
				return missing(r.ID)
			} else if err != nil {
				return Result{}, err
			}
			return Done(), nil
		},
	}}
}

// erlAnswer is one ERL: its ELIN as plain text, or the e911Location.
type erlAnswer struct{ erl *models.ERL }

func (a erlAnswer) Render(media string) ([]byte, string) {
	doc := SipxDoc{Root: "e911Location", Value: erlObject(a.erl, "")}
	switch media {
	case "text/plain":
		return []byte(a.erl.ELIN), "text/plain; charset=utf-8"
	case "application/json":
		return doc.JSON(), "application/json; charset=utf-8"
	}
	return doc.XML(), "text/xml; charset=utf-8"
}

// bodyELIN reads the ELIN a PUT names: a plain-text body (the ELIN itself), or an
// e911Location in XML or JSON.
func bodyELIN(r *Request) (string, error) {
	elin := strings.TrimSpace(string(r.Body))
	if r.Decoded != nil {
		errs := &models.ValidationError{}
		f, ok := sipxRoot(r.Decoded, "e911Location", errs)
		if !ok {
			return "", errs
		}
		f.strTrim("elin", &elin)
		if err := errs.OrNil(); err != nil {
			return "", err
		}
	}
	if elin == "" {
		return "", models.Invalid("elin", "is required: the body is the ELIN of an ERL (text/plain)")
	}
	if rule := models.CheckELIN(elin); rule != "" {
		return "", models.Invalid("elin", rule)
	}
	return elin, nil
}

// linkResource is an ERL link of one named thing: GET reads it, PUT sets it (the body is
// an ELIN), DELETE sets it to none. get answers nil for none.
func linkResource(what string, get func(ctx context.Context, name string) (*models.ERL, error),
	set func(ctx context.Context, name, elin string) error) *Resource {
	unknown := func(name string) (Result, error) { return notFound("no " + what + " is named " + name) }
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			e, err := get(ctx, r.ID)
			switch {
			case errors.Is(err, models.ErrNotFound):
				return unknown(r.ID)
			case err != nil:
				return Result{}, err
			case e == nil:
				return notFound("no ERL is linked to " + what + " " + r.ID)
			}
			return Object(erlAnswer{e}), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			elin, err := bodyELIN(r)
			if err != nil {
				return Result{}, err
			}
			if err := set(ctx, r.ID, elin); errors.Is(err, models.ErrNotFound) {
				return unknown(r.ID)
			} else if err != nil {
				return Result{}, err
			}
			return Done(), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			if err := set(ctx, r.ID, ""); errors.Is(err, models.ErrNotFound) {
				return unknown(r.ID)
			} else if err != nil {
				return Result{}, err
			}
			return Done(), nil
		},
	}}
}

// SipxUserERL is /erl/user/{user}: a user (by user name or alias) and the ERL linked to
// them: their own, else their first user group's.
func SipxUserERL(st *models.Stores) *Resource {
	return linkResource("user",
		func(ctx context.Context, name string) (*models.ERL, error) {
			id, err := st.Users.ByLogin(ctx, name)
			if err != nil {
				return nil, err
			}
			return st.ERLs.UserERL(ctx, id)
		},
		func(ctx context.Context, name, elin string) error {
			id, err := st.Users.ByLogin(ctx, name)
			if err != nil {
				return err
			}
			return st.ERLs.SetUserERL(ctx, id, elin)
		})
}

// SipxGroupERL is /erl/group/{group}: the ERL of a user group, which its members without
// one of their own have.
func SipxGroupERL(st *models.Stores) *Resource {
	return linkResource("user group", st.ERLs.GroupERL, st.ERLs.SetGroupERL)
}

// sipxSerials reads serial numbers (12 hex digits; several separated by commas) as MACs.
func sipxSerials(field, v string) ([]string, error) {
	var macs []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		mac, ok := models.NormalizeMAC(s)
		if !ok || strings.ContainsAny(s, ":-") {
			return nil, models.Invalid(field, "must be serial numbers (MACs written as 12 hex digits), separated by commas: "+quote(s)+" is not one")
		}
		macs = append(macs, mac)
	}
	return macs, nil
}

// SipxPhoneERLs is GET /erl/phone/{serial}: the ERLs of one phone or of several
// (serials separated by commas), each with its serial.
func SipxPhoneERLs(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			macs, err := sipxSerials("serial", r.ID)
			if err != nil {
				return Result{}, err
			}
			ps, err := st.ERLs.PhoneERLs(ctx, macs)
			if errors.Is(err, models.ErrNotFound) {
				return notFound(strings.TrimSuffix(err.Error(), ": not found") + ": no such phone")
			}
			return Object(phoneERLList(ps)), err
		},
	}}
}

// SipxPhonesERL is PUT /erl/phones: <e911Locations><e911Location><serial/><elin/>
// </e911Location>…</e911Locations> links each phone to the ERL of the ELIN (an empty ELIN:
// to none); all or none, 400 for a wrong ELIN or serial.
func SipxPhonesERL(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			links, err := decodePhoneERLs(r.Decoded)
			if err != nil {
				return Result{}, err
			}
			return Done(), renameFields(st.ERLs.SetPhoneERLs(ctx, links), erlWireField)
		},
	}}
}

// decodePhoneERLs reads the links of PUT /erl/phones: each a serial and an ELIN ("": none).
func decodePhoneERLs(body map[string]any) ([]models.PhoneERL, error) {
	var links []models.PhoneERL
	err := erlItems(body, func(_ int, f fields) {
		var serial, elin string
		link := models.PhoneERL{}
		if !f.strTrim("serial", &serial) || serial == "" {
			f.fail("serial", "is required")
		} else if macs, err := sipxSerials("serial", serial); err != nil || len(macs) != 1 {
			f.fail("serial", "must be a serial number (a MAC written as 12 hex digits)")
		} else {
			link.MAC = macs[0]
		}
		if f.strTrim("elin", &elin) && elin != "" {
			if rule := models.CheckELIN(elin); rule != "" {
				f.fail("elin", rule)
			}
			link.ERL = &models.ERL{ELIN: elin}
		}
		links = append(links, link)
	})
	return links, err
}

// SipxPhoneGroupERL is /erl/phonegroup/{group}: GET the ERLs of the group's phones, PUT
// (the body is an ELIN) links every phone of the group to that ERL, DELETE to none.
func SipxPhoneGroupERL(st *models.Stores) *Resource {
	unknown := func(err error) (Result, error) {
		return notFound(strings.TrimSuffix(err.Error(), ": not found") + ": no such phone group")
	}
	set := func(ctx context.Context, group, elin string) (Result, error) {
		_, err := st.ERLs.SetPhoneGroupERL(ctx, group, elin)
		if errors.Is(err, models.ErrNotFound) {
			return unknown(err)
		}
		return Done(), err
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			ps, err := st.ERLs.PhoneGroupERLs(ctx, r.ID)
			if errors.Is(err, models.ErrNotFound) {
				return unknown(err)
			}
			return Object(phoneERLList(ps)), err
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			elin, err := bodyELIN(r)
			if err != nil {
				return Result{}, err
			}
			return set(ctx, r.ID, elin)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) { return set(ctx, r.ID, "") },
	}}
}
