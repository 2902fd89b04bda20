package handlers

import (
	"context"
	"fmt"

	"pbxws/models"
)

// speedDialButton and speedDialDoc are /my/speeddial as sipX's portal reads and writes it
// (bare JSON, no root).
type speedDialButton struct {
	Label  string `json:"label"`
	Number string `json:"number"`
	BLF    bool   `json:"blf"`
}

type speedDialDoc struct {
	Buttons                []speedDialButton `json:"buttons"`
	GroupSpeedDial         bool              `json:"groupSpeedDial"`
	CanSubscribeToPresence bool              `json:"canSubscribeToPresence"`
}

// presencePermission lets a user's phones watch other lines' state (BLF).
const presencePermission = "subscribe-to-presence"

// MySpeedDial is /my/speeddial: GET the user's buttons (their group's, empty in pbxws, when
// they keep none: groupSpeedDial), PUT replaces them, or with groupSpeedDial true drops the
// user's own list. A user without the permission subscribe-to-presence cannot turn BLF on:
// a button keeps the BLF it had (same label and number), a new one has none. updatePhones
// asks nothing more of pbxws: phone profiles are generated when a phone fetches them.
func MySpeedDial(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			d, err := st.SpeedDials.Get(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			can, err := st.Permissions.Allowed(ctx, r.User, presencePermission)
			if err != nil {
				return Result{}, err
			}
			doc := speedDialDoc{Buttons: make([]speedDialButton, len(d.Buttons)), GroupSpeedDial: !d.Own, CanSubscribeToPresence: can}
			for i, b := range d.Buttons {
				doc.Buttons[i] = speedDialButton{Label: b.Label, Number: b.Number, BLF: b.BLF}
			}
			return Result{JSON: doc}, nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f := newFields(body, "", errs)
			var group, updatePhones bool
			f.boolean("groupSpeedDial", &group)
			f.boolean("updatePhones", &updatePhones)
			var buttons []models.SpeedDialButton
			if v, ok := body["buttons"]; ok && v != nil {
				items, ok := sipxItems(v, "button")
				if !ok {
					f.fail("buttons", "must be a list of buttons: label, number, blf")
				}
				for i, it := range items {
					m, isObj := it.(map[string]any)
					if !isObj {
						errs.Add(fmt.Sprintf("buttons[%d]", i), "must be a button: label, number, blf")
						continue
					}
					bf := fields{m: m, prefix: fmt.Sprintf("buttons[%d].", i), errs: errs}
					var b models.SpeedDialButton
					bf.strTrim("label", &b.Label)
					bf.strTrim("number", &b.Number)
					bf.boolean("blf", &b.BLF)
					buttons = append(buttons, b)
				}
			}
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			can, err := st.Permissions.Allowed(ctx, r.User, presencePermission)
			if err != nil {
				return Result{}, err
			}
			return Done(), st.SpeedDials.Edit(ctx, r.User, func(stored *models.SpeedDials) (*models.SpeedDials, error) {
				if group {
					return &models.SpeedDials{Own: false}, nil
				}
				if !can {
					for i := range buttons {
						buttons[i].BLF = storedBLF(stored, buttons[i])
					}
				}
				return &models.SpeedDials{Own: true, Buttons: buttons}, nil
			})
		},
	}}
}

// storedBLF is the BLF a stored button with b's label and number has (false when none).
func storedBLF(stored *models.SpeedDials, b models.SpeedDialButton) bool {
	if !stored.Own {
		return false
	}
	for _, s := range stored.Buttons {
		if s.Label == b.Label && s.Number == b.Number {
			return s.BLF
		}
	}
	return false
}
