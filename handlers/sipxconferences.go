package handlers

import (
	"context"
	"errors"

	"pbxws/models"
)

// The sipX /my/conferences resources (sipx-rest.md §6.11) over the XiVO conference rooms
// (pbx_settings/meetme) the user owns.

// MyConferences is GET /my/conferences: the rooms the user owns.
func MyConferences(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			rooms, err := st.ConfRooms.OwnedBy(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			items := make([]any, len(rooms))
			for i, c := range rooms {
				items[i] = SipxObject{{Name: "enabled", Value: !c.Commented}, {Name: "name", Value: c.Name}, {Name: "description", Value: c.Description},
					{Name: "extension", Value: c.Number}, {Name: "accessCode", Value: c.Pin}}
			}
			return Object(SipxDoc{Root: "conferences", Value: SipxList{Item: "conference", Items: items}}), nil
		},
	}}
}

// conferenceSetting is a room as /my/conferences/{name} shows it. pbxws's rooms do not
// record, start quickly, carry video or moderate: those say false.
func conferenceSetting(c *models.ConfRoom) SipxDoc {
	return SipxDoc{Root: "setting", Value: SipxObject{{Name: "enabled", Value: !c.Commented}, {Name: "name", Value: c.Name},
		{Name: "description", Value: c.Description}, {Name: "autorecorded", Value: false}, {Name: "accessCode", Value: c.Pin}, {Name: "moderatorCode", Value: c.AdminPin},
		{Name: "quickstart", Value: false}, {Name: "video", Value: false}, {Name: "sendActiveVideoOnly", Value: false}, {Name: "maxMembers", Value: c.MaxUsers},
		{Name: "moh", Value: c.UserMusicOnHold}, {Name: "moderatedRoom", Value: false}, {Name: "publicRoom", Value: c.Pin == ""}}}
}

var sipxConferenceNames = names(map[string]string{"meetme": ""}, map[string]string{
	"meetme.pin": "accessCode", "meetme.admin_pin": "moderatorCode", "meetme.max_users": "maxMembers",
	"meetme.user_music_on_hold": "moh", "meetme.number": "extension"})

// MyConference is /my/conferences/{name}: GET one owned room, PUT changes the elements the
// body names (a rename must stay unique). A room of another owner is 403, none 404.
func MyConference(st *models.Stores) *Resource {
	owned := func(ctx context.Context, r *Request) (int, error) {
		id, err := st.ConfRooms.IDByName(ctx, r.ID)
		if err != nil {
			return 0, err
		}
		room, err := st.ConfRooms.Get(ctx, id)
		if err != nil {
			return 0, err
		}
		if room.OwnerID == nil || *room.OwnerID != r.User {
			return 0, &ForbiddenError{Msg: "conference " + r.ID + " is not yours"}
		}
		return id, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			id, err := owned(ctx, r)
			if err != nil {
				return Result{}, err
			}
			room, err := st.ConfRooms.Get(ctx, id)
			if err != nil {
				return Result{}, err
			}
			return Object(conferenceSetting(room)), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := owned(ctx, r)
			if err != nil {
				return Result{}, err
			}
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f, ok := sipxRoot(body, "setting", errs)
			if !ok {
				return Result{}, errs
			}
			err = st.ConfRooms.Edit(ctx, id, func(c *models.ConfRoom) (*models.ConfRoom, error) {
				if c.OwnerID == nil || *c.OwnerID != r.User {
					return nil, &ForbiddenError{Msg: "conference " + r.ID + " is not yours"}
				}
				enabled := !c.Commented
				if f.boolean("enabled", &enabled) {
					c.Commented = !enabled
				}
				f.strTrim("name", &c.Name)
				f.str("description", &c.Description)
				f.strTrim("accessCode", &c.Pin)
				f.strTrim("moderatorCode", &c.AdminPin)
				f.integer("maxMembers", &c.MaxUsers)
				f.strTrim("moh", &c.UserMusicOnHold)
				for _, unsupported := range []string{"autorecorded", "quickstart", "video", "sendActiveVideoOnly", "moderatedRoom"} {
					var on bool
					if f.boolean(unsupported, &on) && on {
						f.fail(unsupported, "is not available: pbxws conference rooms have no such feature")
					}
				}
				return c, errs.OrNil()
			})
			var taken *models.ConflictError
			if errors.As(err, &taken) { // a rename onto another room's name: 400, as the spec says
				err = models.Invalid(sipxConferenceNames.Field(taken.Field), taken.Msg)
			}
			return Done(), WireErrors(err, sipxConferenceNames.Field)
		},
	}}
}
