package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// phonebookCodec is the json.php form of the phonebook: {"phonebook": {…},
// "phonebooknumber": {kind: number}, "phonebookaddress": {kind: {address…}}}, for add and
// edit bodies, views and list items alike. An edit changes the members it names: one number,
// one field of one address.
type phonebookCodec struct{ wireNames }

var xivoPhonebookNames = names(map[string]string{"phonebook_entry": "phonebook", "numbers": "phonebooknumber",
	"addresses": "phonebookaddress"}, nil, models.PhonebookEntry{}, models.PhonebookAddress{})

func phonebookWire(p *models.PhonebookEntry) jsonObject {
	nums := newObject(len(models.PhonebookNumberKinds))
	for _, k := range models.PhonebookNumberKinds {
		nums.set(k, p.Numbers[k])
	}
	addrs := newObject(len(models.PhonebookAddressKinds))
	for _, k := range models.PhonebookAddressKinds {
		a := p.Addresses[k]
		addrs.set(k, jsonObject{{"address1", a.Address1}, {"address2", a.Address2}, {"city", a.City},
			{"state", a.State}, {"zipcode", a.Zipcode}, {"country", a.Country}})
	}
	return jsonObject{
		{"phonebook", jsonObject{{"id", p.ID}, {"title", p.Title}, {"displayname", p.DisplayName},
			{"firstname", p.FirstName}, {"lastname", p.LastName}, {"society", p.Society}, {"email", p.Email},
			{"url", p.URL}, {"description", p.Description}}},
		{"phonebooknumber", nums}, {"phonebookaddress", addrs},
	}
}

func (phonebookCodec) Rows(ps []models.PhonebookEntry) any { return objectsOf(ps, phonebookWire) }

func (phonebookCodec) View(p *models.PhonebookEntry) any   { return phonebookWire(p) }
func (phonebookCodec) Key(p *models.PhonebookEntry) string { return strconv.Itoa(p.ID) }

func (phonebookCodec) Decode(body map[string]any, p *models.PhonebookEntry) (*models.PhonebookEntry, error) {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	if row, ok := top.object("phonebook"); ok {
		f := top.sub("phonebook", row)
		f.strTrim("title", &p.Title)
		f.strTrim("displayname", &p.DisplayName)
		f.strTrim("firstname", &p.FirstName)
		f.strTrim("lastname", &p.LastName)
		f.strTrim("society", &p.Society)
		f.strTrim("email", &p.Email)
		f.strTrim("url", &p.URL)
		f.str("description", &p.Description)
	} else if p.ID == 0 {
		errs.Add("phonebook", "is required: an object with displayname")
	}
	numbers := map[string]string{}
	for k, v := range p.Numbers {
		numbers[k] = v
	}
	if nums, ok := top.object("phonebooknumber"); ok {
		f := top.sub("phonebooknumber", nums)
		for k := range nums {
			var n string
			if f.strTrim(k, &n) {
				numbers[k] = n
			}
		}
	}
	addresses := map[string]models.PhonebookAddress{}
	for k, v := range p.Addresses {
		addresses[k] = v
	}
	if addrs, ok := top.object("phonebookaddress"); ok {
		af := top.sub("phonebookaddress", addrs)
		for k := range addrs {
			m, ok := af.object(k)
			if !ok {
				continue
			}
			a, f := addresses[k], af.sub(k, m)
			f.str("address1", &a.Address1)
			f.str("address2", &a.Address2)
			f.str("city", &a.City)
			f.str("state", &a.State)
			f.strTrim("zipcode", &a.Zipcode)
			f.strTrim("country", &a.Country)
			addresses[k] = a
		}
	}
	p.Numbers, p.Addresses = numbers, addresses
	return p, errs.OrNil()
}

// Phonebook is the pbx_services/phonebook resource.
func Phonebook(st *models.Stores) *Resource {
	s := st.Phonebook
	return (&Endpoint[models.PhonebookEntry, models.PhonebookEntry, int]{
		Codec:     phonebookCodec{xivoPhonebookNames},
		New:       func() *models.PhonebookEntry { return &models.PhonebookEntry{Title: "mr"} },
		List:      func(ctx context.Context, _ Query) ([]models.PhonebookEntry, error) { return s.List(ctx) },
		Search:    func(ctx context.Context, q Query) ([]models.PhonebookEntry, error) { return s.Search(ctx, q.Search) },
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
