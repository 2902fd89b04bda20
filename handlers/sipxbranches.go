package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// The sipX /rest/branch resource (sipx-rest.md §5.8) over the entities json.php serves as
// manage/entity.

type sipxBranchCodec struct{ wireNames }

var sipxBranchNames = names(map[string]string{"entity": ""}, map[string]string{
	"entity.display_name": "description",
	"entity.phone_number": "phoneNumber",
	"entity.fax_number":   "faxNumber",
	"entity.address1":     "address.street",
	"entity.address2":     "address.officeDesignation",
	"entity.zipcode":      "address.zip",
	"entity.city":         "address.city",
	"entity.state":        "address.state",
	"entity.country":      "address.country",
})

// sipxBranchObject is a branch; empty optional texts are omitted.
func sipxBranchObject(e *models.Entity) SipxObject {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	o := SipxObject{}
	o.add("id", e.ID)
	o.add("name", e.Name)
	o.add("description", opt(e.Description))
	addr := SipxObject{}
	addr.add("id", e.ID)
	addr.add("street", opt(e.Address1))
	addr.add("city", opt(e.City))
	addr.add("country", opt(e.Country))
	addr.add("state", opt(e.State))
	addr.add("zip", opt(e.Zipcode))
	addr.add("officeDesignation", opt(e.Address2))
	o.add("address", addr)
	o.add("phoneNumber", opt(e.PhoneNumber))
	o.add("faxNumber", opt(e.FaxNumber))
	return o
}

func (sipxBranchCodec) View(e *models.Entity) any {
	return SipxDoc{Root: "branch", Value: sipxBranchObject(e)}
}

func (k sipxBranchCodec) Rows(es []models.Entity) any {
	v, _ := k.RowsFor(es, Query{})
	return v
}

var sipxBranchSorts = map[string]func(*models.Entity) string{
	"name":              func(e *models.Entity) string { return e.Name },
	"description":       func(e *models.Entity) string { return e.Description },
	"city":              func(e *models.Entity) string { return e.City },
	"officedesignation": func(e *models.Entity) string { return e.Address2 },
}

// RowsFor is {"branch": {"metadata": …, "branches": […]}}.
func (sipxBranchCodec) RowsFor(es []models.Entity, q Query) (any, error) {
	return sipxListDoc(es, q, sipxBranchSorts, "branch", "branches", "branch", sipxBranchObject), nil
}

func (sipxBranchCodec) Key(e *models.Entity) string { return strconv.Itoa(e.ID) }

// Decode reads {"branch": {…}}; absent fields keep what is stored. A new branch shows its
// name where XiVO shows a display name.
func (sipxBranchCodec) Decode(body map[string]any, e *models.Entity) (*models.Entity, error) {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, "branch", errs)
	if !ok {
		return nil, errs
	}
	if !f.strTrim("name", &e.Name) && e.ID == 0 {
		f.fail("name", "is required")
	}
	f.str("description", &e.Description)
	f.strTrim("phoneNumber", &e.PhoneNumber)
	f.strTrim("faxNumber", &e.FaxNumber)
	if a, ok := f.object("address"); ok {
		af := f.sub("address", a)
		af.str("street", &e.Address1)
		af.str("officeDesignation", &e.Address2)
		af.str("city", &e.City)
		af.str("state", &e.State)
		af.strTrim("zip", &e.Zipcode)
		af.strTrim("country", &e.Country)
	}
	if e.DisplayName == "" {
		e.DisplayName = e.Name
	}
	return e, errs.OrNil()
}

// SipxBranches is the sipX /rest/branch resource.
func SipxBranches(st *models.Stores) *Resource {
	s := st.Entities
	return (&Endpoint[models.Entity, models.Entity, int]{
		Codec: sipxBranchCodec{sipxBranchNames},
		New:   func() *models.Entity { return &models.Entity{} },
		List:  func(ctx context.Context, _ Query) ([]models.Entity, error) { return s.List(ctx) },
	}).Over(s).Resource()
}
