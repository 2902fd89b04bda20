package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// entityWire is an entity as json.php lists and views it: the flat row plus `identity`.
type entityWire struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayname"`
	PhoneNumber string `json:"phonenumber"`
	FaxNumber   string `json:"faxnumber"`
	Email       string `json:"email"`
	URL         string `json:"url"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zipcode     string `json:"zipcode"`
	Country     string `json:"country"`
	Description string `json:"description"`
	DCreate     string `json:"dcreate"`
	Disable     bool   `json:"disable"`
	Identity    string `json:"identity"`
}

func entityToWire(e models.Entity) entityWire {
	return entityWire{
		ID: e.ID, Name: e.Name, DisplayName: e.DisplayName, PhoneNumber: e.PhoneNumber,
		FaxNumber: e.FaxNumber, Email: e.Email, URL: e.URL, Address1: e.Address1,
		Address2: e.Address2, City: e.City, State: e.State, Zipcode: e.Zipcode,
		Country: e.Country, Description: e.Description,
		DCreate: strconv.FormatInt(e.DCreate.Unix(), 10), Disable: e.Disable,
		Identity: e.DisplayName + " (" + e.Name + ")",
	}
}

func entitiesToWire(in []models.Entity) []entityWire {
	out := make([]entityWire, len(in))
	for i, e := range in {
		out[i] = entityToWire(e)
	}
	return out
}

// applyEntity sets the fields the flat body carries (all others keep their value).
func applyEntity(e *models.Entity, body map[string]any) error {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	f.strTrim("name", &e.Name)
	f.strTrim("displayname", &e.DisplayName)
	f.strTrim("phonenumber", &e.PhoneNumber)
	f.strTrim("faxnumber", &e.FaxNumber)
	f.strTrim("email", &e.Email)
	f.strTrim("url", &e.URL)
	f.str("address1", &e.Address1)
	f.str("address2", &e.Address2)
	f.str("city", &e.City)
	f.str("state", &e.State)
	f.strTrim("zipcode", &e.Zipcode)
	f.strTrim("country", &e.Country)
	f.str("description", &e.Description)
	f.boolean("disable", &e.Disable)
	return errs.OrNil()
}

// entityCodec is the json.php form of entities: a flat object.
type entityCodec struct{ wireNames }

var xivoEntityNames = names(map[string]string{"entity": ""}, nil, models.Entity{})

func (entityCodec) Rows(es []models.Entity) any { return entitiesToWire(es) }
func (entityCodec) View(e *models.Entity) any   { return entityToWire(*e) }
func (entityCodec) Key(e *models.Entity) string { return strconv.Itoa(e.ID) }
func (entityCodec) Decode(body map[string]any, e *models.Entity) (*models.Entity, error) {
	return e, applyEntity(e, body)
}

// Entities is the manage/entity resource.
func Entities(st *models.Stores) *Resource {
	s := st.Entities
	return (&Endpoint[models.Entity, models.Entity, int]{
		Codec:  entityCodec{xivoEntityNames},
		New:    func() *models.Entity { return &models.Entity{} },
		List:   func(ctx context.Context, _ Query) ([]models.Entity, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Entity, error) { return s.Search(ctx, q.Search) },
	}).Over(s).Resource()
}
