package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
)

// The phone settings scenario: GET /sipxconfig/api/phones/{id}/settings of seedPhones Polycom
// phones, each in two of seedPhoneGroups phone groups that hold values, with overrides of
// its own, at 32 connections through the trusted TLS-terminating proxy like the other sipX
// scenarios: every answer is the whole tree with the effective values (own > groups by
// weight > default).
const (
	seedPhones      = 1000
	seedPhoneGroups = 3
)

// benchPhoneIDs are the seeded phones' numbers.
var benchPhoneIDs []int

// seedPhoneSettings writes the phones, their groups and the overrides.
func seedPhoneSettings(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO devices (id, mac, vendor, model)
			SELECT 'benchphone' || g, '00:04:f2:' || substr(lpad(to_hex(g), 6, '0'), 1, 2) || ':' || substr(lpad(to_hex(g), 6, '0'), 3, 2) || ':' ||
				substr(lpad(to_hex(g), 6, '0'), 5, 2), 'Polycom', 'VVX410'
			FROM generate_series(1, `+strconv.Itoa(seedPhones)+`) g;
		INSERT INTO phone_groups (name, weight) SELECT 'benchgroup' || g, g FROM generate_series(1, `+strconv.Itoa(seedPhoneGroups)+`) g;
		INSERT INTO phone_group_members (group_id, device_id)
			SELECT g.id, d.id FROM devices d JOIN phone_groups g ON g.name IN ('benchgroup' || (1 + d.phone_id % 3), 'benchgroup' || (1 + (d.phone_id + 1) % 3))
			WHERE d.id LIKE 'benchphone%';
		INSERT INTO setting_values (owner_kind, owner_id, path, value)
			SELECT 'phone-group', g.id::text, p.path, g.name || '.example'
			FROM phone_groups g CROSS JOIN (VALUES ('tcpIpApp/sntp/address'), ('dialplan/digitmap')) p(path) WHERE g.name LIKE 'benchgroup%';
		INSERT INTO setting_values (owner_kind, owner_id, path, value)
			SELECT 'phone', d.phone_id::text, p.path, p.value FROM devices d
			CROSS JOIN (VALUES ('tcpIpApp/sntp/gmtOffset', '3600'), ('up/backlightIdleIntensity', '2')) p(path, value)
			WHERE d.id LIKE 'benchphone%' AND d.phone_id % 2 = 0`)
	if err != nil {
		return err
	}
	return db.SelectContext(ctx, &benchPhoneIDs, `SELECT phone_id FROM devices WHERE id LIKE 'benchphone%' ORDER BY phone_id`)
}

func phoneSettingsScenario() scenario {
	return scenario{
		name: "sipX /api/phones/{id}/settings (32 conns)", short: "phonesettings", workers: 32, maxReqs: 30000, maxTime: 10 * time.Second, warmup: 2000,
		header: sipxHeaders,
		request: func(int) (string, string, string) {
			return "GET", "/sipxconfig/api/phones/" + strconv.Itoa(benchPhoneIDs[rand.IntN(len(benchPhoneIDs))]) + "/settings", ""
		},
		validate: func() func(int, []byte) error {
			return expect(200, func(b []byte) error {
				if !strings.Contains(string(b), `"path":"tcpIpApp/sntp/address","type":"string","options":null,"value":"benchgroup`) {
					return fmt.Errorf("no group value in %.300s", b)
				}
				return nil
			})
		},
	}
}

// baseSetting is a setting bean of the baseline, encoded by encoding/json.
type baseSetting struct {
	Path         string            `json:"path"`
	Type         string            `json:"type"`
	Options      map[string]string `json:"options"`
	Value        *string           `json:"value"`
	DefaultValue *string           `json:"defaultValue"`
	Label        *string           `json:"label"`
	Description  *string           `json:"description"`
}

// basePhoneSettingsSQL reads a phone's model and, in one query, its overrides and its
// groups' values (the heaviest group first).
const basePhoneSettingsSQL = `SELECT d.vendor, d.model, COALESCE(o.path, ''), o.value, o.rank FROM devices d
	LEFT JOIN LATERAL (
		SELECT v.path, v.value, 0 AS rank FROM setting_values v WHERE v.owner_kind = 'phone' AND v.owner_id = d.phone_id::text
		UNION ALL
		SELECT v.path, v.value, 1 + row_number() OVER (PARTITION BY v.path ORDER BY g.weight DESC) FROM phone_group_members m
			JOIN phone_groups g ON g.id = m.group_id JOIN setting_values v ON v.owner_kind = 'phone-group' AND v.owner_id = g.id::text
			WHERE m.device_id = d.id) o ON true
	WHERE d.phone_id = $1`

// phoneSettings is the baseline's GET /sipxconfig/api/phones/{id}/settings.
func (b *baseline) phoneSettings(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/sipxconfig/api/phones/"), "/settings"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	rows, err := b.phones.QueryContext(r.Context(), id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var vendor, model string
	found := false
	values, rank := map[string]*string{}, map[string]int64{}
	for rows.Next() {
		var path string
		var v *string
		var rk *int64
		if err := rows.Scan(&vendor, &model, &path, &v, &rk); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		found = true
		if path == "" || rk == nil {
			continue
		}
		if old, ok := rank[path]; !ok || *rk < old {
			rank[path], values[path] = *rk, v
		}
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	leaves := models.PhoneModelOf(vendor, model).PhoneTree().Leaves(nil)
	out := make([]baseSetting, len(leaves))
	for i, l := range leaves {
		s := baseSetting{Path: l.Path(), Type: string(l.Type), DefaultValue: l.Default, Value: l.Default}
		if v, ok := values[l.Path()]; ok {
			s.Value = v
		}
		if len(l.Options) > 0 {
			s.Options = map[string]string{}
			for _, o := range l.Options {
				s.Options[o.Value] = o.Label
			}
		}
		if l.Label != "" {
			s.Label = &l.Label
		}
		if l.Description != "" {
			s.Description = &l.Description
		}
		out[i] = s
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"settings": out})
}
