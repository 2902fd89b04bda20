package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

func voicemailView(v *models.Voicemail) jsonObject {
	return jsonObject{{"voicemail", voicemailToWire(v)},
		{"voicemailfeatures", jsonObject{{"skipcheckpass", v.SkipCheckPass}}}}
}

// decodeStandaloneVoicemail applies an add/edit body onto v: the voicemail object merges
// field by field (null means "not given", as xivo-ws sends unset fields); locale is the
// original's name for language.
func decodeStandaloneVoicemail(body map[string]any, v *models.Voicemail) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	vm, ok := top.object("voicemail")
	if !ok && v.ID == 0 {
		errs.Add("voicemail", "is required: an object with mailbox and fullname")
	}
	f := top.sub("voicemail", vm)
	f.strTrim("locale", &v.Language)
	applyVoicemail(f, v)
	f.strTrim("pager", &v.Pager)
	f.boolean("commented", &v.Commented)
	if vf, ok := top.object("voicemailfeatures"); ok {
		top.sub("voicemailfeatures", vf).boolean("skipcheckpass", &v.SkipCheckPass)
	}
	return errs.OrNil()
}

// voicemailCodec is the json.php form of voicemail boxes: the id is uniqueid.
type voicemailCodec struct{ wireNames }

var xivoVoicemailNames = names(nil, map[string]string{"voicemail.id": "voicemail.uniqueid"}, models.Voicemail{})

func (voicemailCodec) Rows(vs []models.Voicemail) any {
	out := make([]jsonObject, len(vs))
	for i := range vs {
		out[i] = voicemailToWire(&vs[i])
	}
	return out
}
func (voicemailCodec) View(v *models.Voicemail) any   { return voicemailView(v) }
func (voicemailCodec) Key(v *models.Voicemail) string { return strconv.Itoa(v.ID) }
func (voicemailCodec) Decode(body map[string]any, v *models.Voicemail) (*models.Voicemail, error) {
	return v, decodeStandaloneVoicemail(body, v)
}

// Voicemails is the pbx_settings/voicemail resource (spec §4.9.3): the boxes users link to,
// on their own. Edit is for private mode only, as in the original; there is no deleteall
// (it would take users' boxes too).
func Voicemails(st *models.Stores) *Resource {
	s := st.Voicemails
	res := (&Endpoint[models.Voicemail, models.Voicemail, int]{
		Codec:  voicemailCodec{xivoVoicemailNames},
		New:    func() *models.Voicemail { return &models.Voicemail{Context: models.DefaultVoicemailContext} },
		List:   func(ctx context.Context, _ Query) ([]models.Voicemail, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Voicemail, error) { return s.Search(ctx, q.Search) },
		Get:    s.Get,
		Create: s.Create,
		Edit:   s.Edit,
		Delete: s.Delete,
	}).Resource()
	res.Acts["edit"] = privateOnly(res.Acts["edit"])
	return res
}
