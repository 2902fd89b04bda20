package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// parkingLotCodec is the json.php form of parking lots: one flat object, for rows, views and
// add/edit bodies alike; the number is "extension".
type parkingLotCodec struct{ wireNames }

var xivoParkingLotNames = names(map[string]string{"parking_lot": "", "number": "extension"}, nil, models.ParkingLot{})

func parkingLotWire(p *models.ParkingLot) jsonObject {
	return jsonObject{{"id", p.ID}, {"name", p.Name}, {"context", p.Context}, {"extension", p.Number},
		{"positions", strconv.Itoa(p.Positions)}, {"next", p.Next}, {"duration", strconv.Itoa(p.Duration)},
		{"calltransfers", p.CallTransfers}, {"callreparking", p.CallReparking}, {"callhangup", p.CallHangup},
		{"callrecording", p.CallRecording}, {"musicclass", p.MusicClass}, {"hints", p.Hints},
		{"description", p.Description}, {"commented", p.Commented}}
}

func (parkingLotCodec) Rows(ps []models.ParkingLot) any { return objectsOf(ps, parkingLotWire) }

func (parkingLotCodec) View(p *models.ParkingLot) any   { return parkingLotWire(p) }
func (parkingLotCodec) Key(p *models.ParkingLot) string { return strconv.Itoa(p.ID) }

func (parkingLotCodec) Decode(body map[string]any, p *models.ParkingLot) (*models.ParkingLot, error) {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	f.strTrim("name", &p.Name)
	f.strTrim("context", &p.Context)
	f.strTrim("extension", &p.Number)
	f.integer("positions", &p.Positions)
	f.boolean("next", &p.Next)
	f.integer("duration", &p.Duration)
	f.strTrim("calltransfers", &p.CallTransfers)
	f.strTrim("callreparking", &p.CallReparking)
	f.strTrim("callhangup", &p.CallHangup)
	f.strTrim("callrecording", &p.CallRecording)
	f.strTrim("musicclass", &p.MusicClass)
	f.boolean("hints", &p.Hints)
	f.str("description", &p.Description)
	f.boolean("commented", &p.Commented)
	return p, errs.OrNil()
}

// ParkingLots is the pbx_services/parkinglot resource (documented by XiVO, never routed
// there; routed here, spec §7.1).
func ParkingLots(st *models.Stores) *Resource {
	s := st.ParkingLots
	return (&Endpoint[models.ParkingLot, models.ParkingLot, int]{
		Codec:     parkingLotCodec{xivoParkingLotNames},
		New:       func() *models.ParkingLot { return &models.ParkingLot{Duration: 45} },
		List:      func(ctx context.Context, _ Query) ([]models.ParkingLot, error) { return s.List(ctx) },
		Search:    func(ctx context.Context, q Query) ([]models.ParkingLot, error) { return s.Search(ctx, q.Search) },
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
