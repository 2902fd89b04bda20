package models

import (
	"context"
	"database/sql"
	"errors"
	"regexp"

	"github.com/jmoiron/sqlx"
)

// The provisioning commands (provisioning/autoprov, provisioning/configregistrar): pbxws
// runs no provisioning server, so each command changes what pbxws stores (which line is on
// which device) and is announced on PBXControlChannel for the host's provisioning server
// to act on (models/hostconfig.go describes the notice).

var reProvCode = regexp.MustCompile(`^[0-9]{1,9}$`)

// AutoprovResult says what a configure did: the device, and the line associated (0 when
// the device went back to auto-provisioning).
type AutoprovResult struct {
	DeviceID string `json:"device"`
	IP       string `json:"ip"`
	LineID   int    `json:"line_id,omitempty"`
	Mode     string `json:"mode"`
}

// Autoprov configures the device at ip: code "autoprov" detaches its lines and returns it to
// auto-provisioning; any other code is a line's provisioning code, and that line is put on
// the device (slot 1). Unknown devices or codes are a ValidationError naming ip or code.
func (s *HostConfigStore) Autoprov(ctx context.Context, ip, code string) (*AutoprovResult, error) {
	ve := &ValidationError{}
	if _, ok := ParseIPv4(ip); !ok {
		ve.Add("ip", ruleIPv4)
	}
	if code != "autoprov" && !reProvCode.MatchString(code) {
		ve.Add("code", `must be "autoprov" or a line's provisioning code (digits)`)
	}
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	res := &AutoprovResult{IP: ip}
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &res.DeviceID, `SELECT id FROM devices WHERE ip = $1 ORDER BY id LIMIT 1 FOR UPDATE`, ip)
		if errors.Is(err, sql.ErrNoRows) {
			return Invalid("ip", "no device has this address")
		}
		if err != nil {
			return err
		}
		if code == "autoprov" {
			res.Mode = "autoprov"
			if _, err := tx.ExecContext(ctx, `UPDATE lines SET device_id = NULL WHERE device_id = $1`, res.DeviceID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET configured = false WHERE id = $1`, res.DeviceID); err != nil {
				return err
			}
		} else {
			res.Mode = "line"
			err := tx.GetContext(ctx, &res.LineID, `SELECT id FROM lines WHERE provisioningid = CAST($1 AS integer)
				AND provisioningid <> 0 ORDER BY id LIMIT 1 FOR UPDATE`, code)
			if errors.Is(err, sql.ErrNoRows) {
				return Invalid("code", "no line has this provisioning code")
			}
			if err != nil {
				return err
			}
			// The line takes the device's first key: a line that held it leaves the device.
			if _, err := tx.ExecContext(ctx, `UPDATE lines SET device_id = NULL WHERE device_id = $1 AND num = 1 AND id <> $2`,
				res.DeviceID, res.LineID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE lines SET device_id = $1, num = 1 WHERE id = $2`, res.DeviceID, res.LineID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET configured = true WHERE id = $1`, res.DeviceID); err != nil {
				return err
			}
		}
		return announceHostChange(ctx, tx, "provisioning/autoprov", "configure", res.DeviceID, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ConfigRegistrarCommands are the commands of provisioning/configregistrar.
var ConfigRegistrarCommands = []string{"rebuild_required_config", "sync_bsfilter_devices", "sync_devices"}

// ConfigRegistrar records and announces a provisioning command over the devices it
// concerns (those with a line for rebuild_required_config, every device for the syncs) and
// says how many there were. rebuild_required_config is announced even for none (the
// server's own required configuration is rebuilt); a sync over no device is not.
func (s *HostConfigStore) ConfigRegistrar(ctx context.Context, command string) (int, error) {
	query := `SELECT id FROM devices ORDER BY id`
	switch command {
	case "rebuild_required_config":
		query = `SELECT DISTINCT device_id FROM lines WHERE device_id IS NOT NULL ORDER BY device_id`
	case "sync_bsfilter_devices", "sync_devices":
	default:
		return 0, Invalid("act", "must be one of: rebuild_required_config, sync_bsfilter_devices, sync_devices")
	}
	var devices []string
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &devices, query); err != nil {
			return err
		}
		if len(devices) == 0 && command != "rebuild_required_config" {
			return nil
		}
		return announceHostChange(ctx, tx, "provisioning/configregistrar", command, "",
			map[string]any{"devices": append([]string{}, devices...)})
	})
	return len(devices), err
}
