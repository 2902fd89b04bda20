package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
)

// The sipX registrations scenario: /sipxconfig/api/registrations of seedBindings live
// bindings (one per seeded line, a third of them on a phone with a MAC), read whole in JSON
// by the bench user (ADMIN), through the trusted proxy like the other sipX scenarios.
const seedBindings = 10000

// seedRegistrations stores the bindings as the registrar would, expiring in an hour.
func seedRegistrations(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO devices (id, mac) SELECT 'benchdev' || l.id, lpad(to_hex(l.id), 12, '0')
			FROM (SELECT id FROM lines ORDER BY id LIMIT `+fmt.Sprint(seedBindings)+`) l WHERE l.id % 3 = 0;
		UPDATE lines l SET device_id = 'benchdev' || l.id WHERE l.id % 3 = 0 AND EXISTS (SELECT 1 FROM devices d WHERE d.id = 'benchdev' || l.id);
		UPDATE devices SET mac = substr(mac, 1, 2) || ':' || substr(mac, 3, 2) || ':' || substr(mac, 5, 2) || ':' ||
			substr(mac, 7, 2) || ':' || substr(mac, 9, 2) || ':' || substr(mac, 11, 2) WHERE id LIKE 'benchdev%';
		INSERT INTO registrations (ruid, username, domain, contact, received, expires, callid, cseq, last_modified, user_agent, socket)
			SELECT 'bench-' || l.id, l.name, 'bench.example', '<sip:' || l.name || '@10.' || (l.id / 65536) % 256 || '.' || (l.id / 256) % 256 || '.' || l.id % 256 || ':5060>',
				NULL, localtimestamp + make_interval(secs => 600 + l.id % 3000), 'bench-call-' || l.id || '@10.0.0.1', 2, localtimestamp,
				'BenchPhone/1.0', 'udp:192.0.2.10:5060'
			FROM (SELECT id, name FROM lines ORDER BY id LIMIT `+fmt.Sprint(seedBindings)+`) l`)
	return err
}

func registrationScenario() scenario {
	return scenario{
		name: "sipX /api/registrations of 10,000 (1 conn)", short: "registrations", workers: 1, maxReqs: 400, maxTime: 10 * time.Second, warmup: 3,
		header:  sipxHeaders,
		request: func(int) (string, string, string) { return "GET", "/sipxconfig/api/registrations", "" },
		validate: func() func(int, []byte) error {
			return expect(200, once(func(b []byte) error {
				if n := strings.Count(string(b), `"regCallId":"bench-call-`); n != seedBindings {
					return fmt.Errorf("the list has %d bindings, want %d: %.200s", n, seedBindings, b)
				}
				return nil
			}))
		},
	}
}

// baseRegistration is the bean of the baseline, encoded by encoding/json.
type baseRegistration struct {
	URI             string `json:"uri"`
	Contact         string `json:"contact"`
	Expires         int64  `json:"expires"`
	Primary         string `json:"primary"`
	Instrument      string `json:"instrument"`
	RegCallID       string `json:"regCallId"`
	Identity        string `json:"identity"`
	Status          string `json:"status"`
	SecondsToExpire int    `json:"secondsToExpire"`
}

// registrations is the baseline's /api/registrations: pbxws's SELECT, beans by hand.
func (b *baseline) registrations(w http.ResponseWriter, r *http.Request) {
	rows, err := b.regs.QueryContext(r.Context(), false, nil, "", nil, "{}")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	out := []baseRegistration{}
	for rows.Next() {
		var x models.LiveBinding
		if err := rows.Scan(&x.ID, &x.UserName, &x.Domain, &x.Contact, &x.Received, &x.Expires, &x.SecondsTo,
			&x.CallID, &x.Socket, &x.Instance, &x.UserAgent, &x.ServerID, &x.LineMAC, &x.LastModified); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		aor := x.UserName + "@" + x.Domain
		out = append(out, baseRegistration{URI: "sip:" + aor, Contact: x.Contact, Expires: x.Expires, Primary: "192.0.2.10",
			Instrument: x.LineMAC, RegCallID: x.CallID, Identity: aor, Status: "active", SecondsToExpire: x.SecondsTo})
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"registrations": out})
}
