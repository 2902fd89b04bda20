package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Device is a phone or gateway known to provisioning.
type Device struct {
	ID          string `db:"id" json:"id" validate:"required,max=64"`
	MAC         string `db:"mac" json:"mac"`
	IP          string `db:"ip" json:"ip"`
	Vendor      string `db:"vendor" json:"vendor" validate:"max=64,printable"`
	Model       string `db:"model" json:"model" validate:"max=64,printable"`
	Version     string `db:"version" json:"version" validate:"max=64,printable"`
	Plugin      string `db:"plugin" json:"plugin" validate:"max=128,printable"`
	SN          string `db:"sn" json:"sn" validate:"max=64,printable"`
	Proto       string `db:"proto" json:"proto" validate:"max=16,printable"`
	TemplateID  string `db:"template_id" json:"template_id" validate:"max=64,printable"`
	Status      string `db:"status" json:"status" validate:"max=32,printable"`
	Configured  bool   `db:"configured" json:"configured"`
	Commented   bool   `db:"commented" json:"commented"`
	Description string `db:"description" json:"description" validate:"max=1000"`

	// Lines attached to the device, by slot: read with it, never written through it.
	Lines []Line `db:"-" json:"-"`
}

// DeviceStore reads and writes devices.
type DeviceStore struct{ db *sqlx.DB }

const deviceCols = `id, mac, ip, vendor, model, version, plugin, sn, proto, template_id, status,
	configured, commented, description`

var reDeviceID = regexp.MustCompile(`^[a-z0-9]{1,64}$`)

// NormalizeMAC reads a MAC written as 12 hex digits, bare or in six pairs separated all by ":"
// or all by "-", any case, and returns it as aa:bb:cc:dd:ee:ff. Mixed separators are refused:
// they are typing mistakes more often than MACs.
func NormalizeMAC(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	var digits string
	switch len(s) {
	case 12:
		digits = s
	case 17:
		sep := s[2]
		if sep != ':' && sep != '-' {
			return "", false
		}
		var b strings.Builder
		for i := 0; i < 17; i += 3 {
			if i > 0 && s[i-1] != sep {
				return "", false
			}
			b.WriteString(s[i : i+2])
		}
		digits = b.String()
	default:
		return "", false
	}
	if _, err := hex.DecodeString(digits); err != nil {
		return "", false
	}
	parts := make([]string, 6)
	for i := range parts {
		parts[i] = digits[2*i : 2*i+2]
	}
	return strings.Join(parts, ":"), true
}

// List returns every device by id.
func (s *DeviceStore) List(ctx context.Context) ([]Device, error) {
	var out []Device
	if err := s.db.SelectContext(ctx, &out, `SELECT `+deviceCols+` FROM devices ORDER BY id`); err != nil {
		return nil, err
	}
	return out, s.withLines(ctx, out)
}

// Search finds devices by exact IP or MAC (any MAC spelling). When nothing matches exactly it
// falls back to a substring of ip, mac, vendor, model or plugin, as later XiVO versions did,
// so partial terms still find something.
func (s *DeviceStore) Search(ctx context.Context, term string) ([]Device, error) {
	var out []Device
	mac, isMAC := NormalizeMAC(term)
	ip := strings.TrimSpace(term)
	if a, err := netip.ParseAddr(ip); err == nil {
		ip = a.Unmap().String()
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+deviceCols+` FROM devices
		WHERE lower(ip) = lower($1) OR ($3 AND mac = $2) ORDER BY id`, ip, mac, isMAC); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		return out, s.withLines(ctx, out)
	}
	// MACs are stored colon separated: a partial "1A-2B" looks for "1a:2b".
	err := s.db.SelectContext(ctx, &out, `SELECT `+deviceCols+` FROM devices
		WHERE ip ILIKE $1 OR mac ILIKE $2 OR vendor ILIKE $1 OR model ILIKE $1 OR plugin ILIKE $1
		ORDER BY id`, likeTerm(term), likeTerm(strings.ReplaceAll(term, "-", ":")))
	if err != nil {
		return nil, err
	}
	return out, s.withLines(ctx, out)
}

// Get returns one device or ErrNotFound.
func (s *DeviceStore) Get(ctx context.Context, id string) (*Device, error) {
	var d Device
	err := s.db.GetContext(ctx, &d, `SELECT `+deviceCols+` FROM devices WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ds := []Device{d}
	return &ds[0], s.withLines(ctx, ds)
}

// withLines reads the lines attached to the devices, in one query.
func (s *DeviceStore) withLines(ctx context.Context, ds []Device) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]string, len(ds))
	at := make(map[string]int, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
		at[d.ID] = i
		ds[i].Lines = []Line{}
	}
	var ls []Line
	if err := s.db.SelectContext(ctx, &ls, `SELECT `+lineCols+lineFrom+`
		WHERE l.device_id = ANY($1) ORDER BY l.device_id, l.num, l.id`, pq.StringArray(ids)); err != nil {
		return err
	}
	for _, l := range ls {
		i := at[*l.DeviceID]
		ds[i].Lines = append(ds[i].Lines, l)
	}
	return nil
}

func (s *DeviceStore) check(d *Device) error {
	ve := &ValidationError{}
	ve.Merge("device.", Check(d))
	if !reDeviceID.MatchString(d.ID) {
		ve.Add("device.id", "must be 1-64 characters of a-z, 0-9")
	}
	if d.MAC != "" {
		if m, ok := NormalizeMAC(d.MAC); ok {
			d.MAC = m
		} else {
			ve.Add("device.mac", "must be a MAC address (12 hex digits, with : or - separators or none)")
		}
	}
	if d.IP != "" {
		if a, err := netip.ParseAddr(d.IP); err == nil && net.ParseIP(d.IP) != nil {
			d.IP = a.Unmap().String()
		} else {
			ve.Add("device.ip", "must be an IPv4 or IPv6 address")
		}
	}
	return ve.OrNil()
}

var deviceConstraints = map[string]string{"devices_pkey": "device.id", "devices_mac_key": "device.mac"}

// Create validates and inserts d, drawing an id when it has none.
func (s *DeviceStore) Create(ctx context.Context, d *Device) error {
	if d.ID == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		d.ID = hex.EncodeToString(b)
	}
	if err := s.check(d); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO devices (`+deviceCols+`) VALUES (:id, :mac,
			:ip, :vendor, :model, :version, :plugin, :sn, :proto, :template_id, :status, :configured,
			:commented, :description)`, d)
		return mapPQ(err, deviceConstraints)
	})
}

// Edit merges an edit onto the stored device in one transaction that locks its row first.
func (s *DeviceStore) Edit(ctx context.Context, id string, merge func(stored *Device) (*Device, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Device, error) {
		var d Device
		err := tx.GetContext(ctx, &d, `SELECT `+deviceCols+` FROM devices WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return &d, err
	}, merge, func(tx *sqlx.Tx, _, d *Device) error {
		d.ID = id
		if err := s.check(d); err != nil {
			return err
		}
		return updateDevice(ctx, tx, d)
	})
}

func updateDevice(ctx context.Context, tx *sqlx.Tx, d *Device) error {
	res, err := tx.NamedExecContext(ctx, `UPDATE devices SET mac=:mac, ip=:ip, vendor=:vendor,
		model=:model, version=:version, plugin=:plugin, sn=:sn, proto=:proto,
		template_id=:template_id, status=:status, configured=:configured, commented=:commented,
		description=:description WHERE id=:id`, d)
	if err != nil {
		return mapPQ(err, deviceConstraints)
	}
	return oneRow(res)
}

// Delete removes a device; its lines stay, detached; its sipX phone settings go.
func (s *DeviceStore) Delete(ctx context.Context, id string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var phone int
		err := tx.GetContext(ctx, &phone, `DELETE FROM devices WHERE id = $1 RETURNING phone_id`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return DropSettings(ctx, tx, phoneOwnerKind, strconv.Itoa(phone))
	})
}
