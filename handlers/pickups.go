package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

func pickupRow(p *models.Pickup) jsonObject {
	return jsonObject{{"id", p.ID}, {"name", p.Name}, {"description", p.Description}, {"commented", p.Commented}}
}

// pickupView splits the members by category: members (whose calls are picked up) and
// pickups (who pick them up).
func pickupView(c *models.PickupComposite) jsonObject {
	byCategory := map[string][]jsonObject{"member": {}, "pickup": {}}
	for _, m := range c.Members {
		byCategory[m.Category] = append(byCategory[m.Category], jsonObject{{"pickupid", c.Pickup.ID},
			{"category", m.Category}, {"membertype", m.MemberType}, {"memberid", m.MemberID}})
	}
	return jsonObject{{"pickup", pickupRow(&c.Pickup)}, {"members", byCategory["member"]}, {"pickups", byCategory["pickup"]}}
}

// decodePickup applies a flat add/edit body onto c. members, when present, replaces every
// stored member; a view posted back (pickup, members and pickups) is read too, its pickups
// replacing the stored pickups only.
func decodePickup(body map[string]any, c *models.PickupComposite, stored []models.PickupMember) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	f := top
	if row, ok := top.object("pickup"); ok {
		f = top.sub("pickup", row)
	}
	p := &c.Pickup
	f.strTrim("name", &p.Name)
	f.str("description", &p.Description)
	f.boolean("commented", &p.Commented)
	read := func(key, category string) ([]models.PickupMember, bool) {
		list, ok := top.list(key)
		if !ok {
			return nil, false
		}
		out := []models.PickupMember{}
		for i, v := range list {
			name := key + "[" + strconv.Itoa(i) + "]"
			m, isObj := v.(map[string]any)
			if !isObj {
				top.fail(name, "must be an object with category, membertype and memberid")
				continue
			}
			mf := top.sub(name, m)
			pm := models.PickupMember{Category: category}
			mf.strTrim("category", &pm.Category)
			mf.strTrim("membertype", &pm.MemberType)
			mf.integer("memberid", &pm.MemberID)
			out = append(out, pm)
		}
		return out, true
	}
	members, hasMembers := read("members", "member")
	pickups, hasPickups := read("pickups", "pickup")
	switch {
	case hasPickups:
		if !hasMembers {
			members = []models.PickupMember{}
			for _, m := range stored {
				if m.Category == "member" {
					members = append(members, m)
				}
			}
		}
		c.Members = append(members, pickups...)
	case hasMembers:
		c.Members = members
	}
	return errs.OrNil()
}

// pickupCodec is the json.php form of pickup groups: flat bodies.
type pickupCodec struct{ wireNames }

var xivoPickupNames = names(map[string]string{"pickup": ""}, nil, models.Pickup{}, models.PickupMember{})

func (pickupCodec) Rows(ps []models.Pickup) any {
	out := make([]jsonObject, len(ps))
	for i := range ps {
		out[i] = pickupRow(&ps[i])
	}
	return out
}
func (pickupCodec) View(c *models.PickupComposite) any   { return pickupView(c) }
func (pickupCodec) Key(c *models.PickupComposite) string { return strconv.Itoa(c.Pickup.ID) }
func (pickupCodec) Decode(body map[string]any, stored *models.PickupComposite) (*models.PickupComposite, error) {
	c := &models.PickupComposite{Pickup: stored.Pickup}
	if err := decodePickup(body, c, stored.Members); err != nil {
		return nil, err
	}
	return c, nil
}

// Pickups is the call_management/pickup resource (spec §4.5). As in the original, search
// answers the list; pbxws adds a merging edit.
func Pickups(st *models.Stores) *Resource {
	s := st.Pickups
	list := func(ctx context.Context, _ Query) ([]models.Pickup, error) { return s.List(ctx) }
	return (&Endpoint[models.Pickup, models.PickupComposite, int]{
		Codec:  pickupCodec{xivoPickupNames},
		New:    func() *models.PickupComposite { return &models.PickupComposite{} },
		List:   list,
		Search: list,
		Get:    s.Get,
		Create: s.Create,
		Edit:   s.Edit,
		Delete: s.Delete,
	}).Resource()
}
