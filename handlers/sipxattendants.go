package handlers

import (
	"context"

	"pbxws/models"
)

// The sipX auto-attendant resources (sipx-rest.md §5.3).

// AutoAttendants is GET /auto-attendant.
func AutoAttendants(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, _ *Request) (Result, error) {
			as, err := st.Attendants.List(ctx)
			if err != nil {
				return Result{}, err
			}
			items := make([]any, len(as))
			for i, a := range as {
				items[i] = SipxObject{{Name: "name", Value: a.Name}, {Name: "systemId", Value: a.SystemID}, {Name: "specialSelected", Value: a.Special}}
			}
			return Object(SipxDoc{Root: "autoAttendants", Value: SipxList{Item: "autoAttendant", Items: items}}), nil
		},
	}}
}

// AttendantSpecialMode is /auto-attendant/specialmode: GET says it, PUT turns it on,
// DELETE off (204).
func AttendantSpecialMode(st *models.Stores) *Resource {
	set := func(on bool) Act {
		return func(ctx context.Context, _ *Request) (Result, error) {
			return NoContent(), st.Attendants.SetSpecialMode(ctx, on)
		}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, _ *Request) (Result, error) {
			on, err := st.Attendants.SpecialMode(ctx)
			return Object(SipxDoc{Root: "specialAttendant", Value: SipxObject{{Name: "specialMode", Value: on}}}), err
		},
		"edit":   set(true),
		"delete": set(false),
	}}
}

// AttendantSpecial is /auto-attendant/{attendant}/special: PUT selects the attendant as the
// special one, DELETE deselects it (409 while special mode is on).
func AttendantSpecial(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			return NoContent(), st.Attendants.Select(ctx, r.ID)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			return NoContent(), st.Attendants.Deselect(ctx, r.ID)
		},
	}}
}

// AttendantLiveMode is /auto-attendant/livemode/{code}: PUT or POST turns live mode on for
// the attendants that code dials, DELETE off; 404 when nothing changed.
func AttendantLiveMode(st *models.Stores) *Resource {
	set := func(on bool) Act {
		return func(ctx context.Context, r *Request) (Result, error) {
			return Done(), st.Attendants.SetLive(ctx, r.ID, on)
		}
	}
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{"edit": set(true), "delete": set(false)}}
}
