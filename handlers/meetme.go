package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// confRoomRow is a room as json.php lists it and as the view's meetmefeatures: flat, the
// number as confno, a string.
func confRoomRow(r *models.ConfRoom) jsonObject {
	return jsonObject{{"id", r.ID}, {"name", r.Name}, {"confno", r.Number}, {"context", r.Context},
		{"maxusers", r.MaxUsers}, {"admin_typefrom", r.AdminTypeFrom}, {"user_mode", r.UserMode},
		{"user_announcejoinleave", r.UserAnnounceJoinLeave}, {"user_musiconhold", r.UserMusicOnHold},
		{"preprocess_subroutine", r.PreprocessSubroutine}, {"description", r.Description},
		{"commented", r.Commented}, {"identity", r.Name + " (" + r.Number + "@" + r.Context + ")"}}
}

func confRoomView(r *models.ConfRoom) jsonObject {
	return jsonObject{
		{"meetmefeatures", confRoomRow(r)},
		{"meetmeroom", jsonObject{{"confno", r.Number}, {"pin", r.Pin}, {"pinadmin", r.AdminPin}}},
		{"meetmeguest", false},
	}
}

// decodeConfRoom applies an add/edit body onto r: meetmefeatures and meetmeroom merge
// field by field (meetmeroom.confno, when given, must agree with meetmefeatures.confno).
func decodeConfRoom(body map[string]any, r *models.ConfRoom) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	mf, ok := top.object("meetmefeatures")
	if !ok && r.ID == 0 {
		errs.Add("meetmefeatures", "is required: an object with name, confno and context")
	}
	f := top.sub("meetmefeatures", mf)
	f.strTrim("name", &r.Name)
	f.strTrim("confno", &r.Number)
	f.strTrim("context", &r.Context)
	f.integer("maxusers", &r.MaxUsers)
	f.strTrim("admin_typefrom", &r.AdminTypeFrom)
	f.strTrim("user_mode", &r.UserMode)
	f.strTrim("user_announcejoinleave", &r.UserAnnounceJoinLeave)
	f.strTrim("user_musiconhold", &r.UserMusicOnHold)
	f.strTrim("preprocess_subroutine", &r.PreprocessSubroutine)
	f.str("description", &r.Description)
	f.boolean("commented", &r.Commented)
	f.optInt("owner_id", &r.OwnerID) // the sipX owner; not a field XiVO had
	if mr, ok := top.object("meetmeroom"); ok {
		rf := top.sub("meetmeroom", mr)
		var confno string
		if rf.strTrim("confno", &confno) && confno != r.Number {
			rf.fail("confno", "must be the same as meetmefeatures.confno")
		}
		rf.strTrim("pin", &r.Pin)
		rf.strTrim("pinadmin", &r.AdminPin)
	}
	return errs.OrNil()
}

// confRoomCodec is the json.php form of conference rooms.
type confRoomCodec struct{ wireNames }

var xivoConfRoomNames = names(map[string]string{"meetme": "meetmefeatures", "number": "confno"},
	map[string]string{"meetme.pin": "meetmeroom.pin", "meetme.admin_pin": "meetmeroom.pinadmin"},
	models.ConfRoom{})

func (confRoomCodec) Rows(rs []models.ConfRoom) any {
	out := make([]jsonObject, len(rs))
	for i := range rs {
		out[i] = confRoomRow(&rs[i])
	}
	return out
}
func (confRoomCodec) View(r *models.ConfRoom) any   { return confRoomView(r) }
func (confRoomCodec) Key(r *models.ConfRoom) string { return strconv.Itoa(r.ID) }
func (confRoomCodec) Decode(body map[string]any, r *models.ConfRoom) (*models.ConfRoom, error) {
	return r, decodeConfRoom(body, r)
}

// ConfRooms is the pbx_settings/meetme resource (spec §4.9.2). The original had no edit;
// pbxws's merges, as every other edit does.
func ConfRooms(st *models.Stores) *Resource {
	s := st.ConfRooms
	return (&Endpoint[models.ConfRoom, models.ConfRoom, int]{
		Codec:     confRoomCodec{xivoConfRoomNames},
		New:       models.NewConfRoom,
		List:      func(ctx context.Context, _ Query) ([]models.ConfRoom, error) { return s.List(ctx) },
		Search:    func(ctx context.Context, q Query) ([]models.ConfRoom, error) { return s.Search(ctx, q.Search) },
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
