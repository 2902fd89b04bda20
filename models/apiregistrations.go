package models

import (
	"context"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"pbxws/metrics"
)

// LiveBinding is one stored binding as the sipX registrations resource shows it
// (sipx-api.md §5): the row of the registrations table with the MAC of the device holding
// the line of its address of record ("" for none).
type LiveBinding struct {
	ID       int
	UserName string
	Domain   string
	Contact  string
	Received string
	// Expires is when the binding expires, in milliseconds since the epoch.
	Expires   int64
	SecondsTo int
	CallID    string
	Socket    string
	Instance  string
	UserAgent string
	ServerID  int
	LineMAC   string
	// LastModified is when the binding was last written, in milliseconds since the epoch.
	LastModified int64
}

// BindingFilter selects bindings in SQL; the zero value selects every one.
type BindingFilter struct {
	// UserNames, when not nil, are the address-of-record user parts to select.
	UserNames []string
	// CallID, when not "", is the Call-ID to select.
	CallID string
	// ServerIDs, when not nil, are the server ids to select (or Sockets' hosts).
	ServerIDs   []int
	SocketHosts []string
	// Expired includes bindings whose expiry has passed (deletes take them too).
	Expired bool
}

// Bindings are the bindings the filter selects, the latest expiry first, with the seconds
// left before each expires (0 once expired).
// An unfiltered read is served by the cache when the store has one listening (regcache.go).
func (s *RegistrationStore) Bindings(ctx context.Context, f BindingFilter) ([]LiveBinding, error) {
	if f.UserNames == nil && f.CallID == "" && f.ServerIDs == nil && !f.Expired && s.cache != nil {
		if bs, ok := s.cache.live(ctx); ok {
			metrics.BindingReads.WithLabelValues("memory").Inc()
			return bs, nil
		}
		metrics.BindingReads.WithLabelValues("database").Inc()
	}
	return s.queryBindings(ctx, BindingsSQL, f.args()...)
}

func (s *RegistrationStore) queryBindings(ctx context.Context, query string, args ...any) ([]LiveBinding, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LiveBinding
	for rows.Next() {
		var b LiveBinding
		if err := rows.Scan(&b.ID, &b.UserName, &b.Domain, &b.Contact, &b.Received, &b.Expires, &b.SecondsTo,
			&b.CallID, &b.Socket, &b.Instance, &b.UserAgent, &b.ServerID, &b.LineMAC, &b.LastModified); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// bindingsFrom is the columns of a LiveBinding, with the MAC of the device holding the line of
// each, before a WHERE.
const bindingsFrom = `SELECT r.id, r.username, COALESCE(r.domain, ''), r.contact, COALESCE(r.received, ''),
		(EXTRACT(EPOCH FROM r.expires::timestamptz) * 1000)::bigint, GREATEST(0, floor(EXTRACT(EPOCH FROM r.expires - localtimestamp)))::int,
		r.callid, COALESCE(r.socket, ''), COALESCE(r.instance, ''), r.user_agent, r.server_id,
		COALESCE(replace(d.mac, ':', ''), ''), (EXTRACT(EPOCH FROM r.last_modified::timestamptz) * 1000)::bigint
		FROM registrations r LEFT JOIN lines l ON l.name = r.username LEFT JOIN devices d ON d.id = l.device_id`

// BindingsSQL reads the bindings a BindingFilter selects ($1…$5: its args), in the order
// the resource lists them (the bench's baseline runs it too).
const BindingsSQL = bindingsFrom + ` WHERE ` + bindingWhere + `
		ORDER BY r.expires DESC, r.last_modified DESC, r.id DESC`

// bindingWhere is the condition of a BindingFilter on registrations r ($1…$5 its args).
const bindingWhere = `($1 OR r.expires > localtimestamp)
		AND ($2::text[] IS NULL OR r.username = ANY($2))
		AND ($3 = '' OR r.callid = $3)
		AND ($4::int[] IS NULL OR r.server_id = ANY($4) OR split_part(COALESCE(r.socket, ''), ':', 2) = ANY($5))`

func (f BindingFilter) args() []any {
	var users, hosts any
	var servers any
	if f.UserNames != nil {
		users = pq.Array(f.UserNames)
	}
	if f.ServerIDs != nil {
		servers = pq.Array(f.ServerIDs)
		hosts = pq.Array(f.SocketHosts)
	} else {
		hosts = pq.Array([]string{})
	}
	return []any{f.Expired, users, f.CallID, servers, hosts}
}

// DeleteMatching removes every binding the filter selects, expired ones too, in one
// statement, and says how many went.
func (s *RegistrationStore) DeleteMatching(ctx context.Context, f BindingFilter) (int, error) {
	f.Expired = true
	res, err := s.db.ExecContext(ctx, `DELETE FROM registrations r WHERE `+bindingWhere, f.args()...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteBindings removes the bindings of the ids in one statement and says how many went.
// The registrar reads the table on every lookup, so nothing else holds them.
func (s *RegistrationStore) DeleteBindings(ctx context.Context, ids []int) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM registrations WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// UserSIPNames are the address-of-record user parts of a user: the login and the names and
// numbers of the user's SIP lines (the registrar takes a REGISTER to either). The user is an id (tried first when all digits), a login or an
// alias; ErrNotFound when none matches.
func (s *RegistrationStore) UserSIPNames(ctx context.Context, user string) ([]string, error) {
	return s.names(ctx, `SELECT x.n FROM (SELECT id FROM (
		SELECT id, 0 AS rank FROM users WHERE id = $2 AND commented = false
		UNION ALL SELECT id, 1 FROM users WHERE lower(loginclient) = lower($1) AND loginclient <> '' AND commented = false
		UNION ALL SELECT a.user_id, 2 FROM user_aliases a JOIN users u ON u.id = a.user_id AND u.commented = false
			WHERE a.alias = $1) c ORDER BY rank LIMIT 1) m,
		LATERAL (SELECT '' AS n
			UNION ALL SELECT loginclient FROM users WHERE id = m.id AND COALESCE(loginclient, '') <> ''
			UNION ALL SELECT name FROM lines WHERE user_id = m.id AND protocol = 'sip' AND commented = false
			UNION ALL SELECT number FROM lines WHERE user_id = m.id AND protocol = 'sip' AND commented = false) x`, user)
}

// GroupSIPNames are the SIP names of every member of the user group named (or numbered)
// group; ErrNotFound when there is no such group.
func (s *RegistrationStore) GroupSIPNames(ctx context.Context, group string) ([]string, error) {
	return s.names(ctx, `SELECT x.n FROM (SELECT id FROM (SELECT id, 0 AS rank FROM user_groups WHERE id = $2
		UNION ALL SELECT id, 1 FROM user_groups WHERE name = $1) c ORDER BY rank LIMIT 1) g,
		LATERAL (SELECT '' AS n
			UNION ALL SELECT u.loginclient FROM user_group_members m JOIN users u ON u.id = m.user_id
				WHERE m.group_id = g.id AND u.commented = false AND COALESCE(u.loginclient, '') <> ''
			UNION ALL SELECT l.name FROM user_group_members m JOIN lines l ON l.user_id = m.user_id
				WHERE m.group_id = g.id AND l.protocol = 'sip' AND l.commented = false
			UNION ALL SELECT l.number FROM user_group_members m JOIN lines l ON l.user_id = m.user_id
				WHERE m.group_id = g.id AND l.protocol = 'sip' AND l.commented = false) x`, group)
}

// names runs a query whose rows are names, one row "" standing for "found": no row at all
// is ErrNotFound.
func (s *RegistrationStore) names(ctx context.Context, q, arg string) ([]string, error) {
	id := -1 // $2: the argument as an id, when it is all digits
	if n, err := strconv.Atoi(arg); err == nil && n >= 0 && len(arg) <= 9 && strings.Trim(arg, "0123456789") == "" {
		id = n
	}
	var rows []string
	if err := s.db.SelectContext(ctx, &rows, q, arg, id); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	out, seen := []string{}, map[string]bool{}
	for _, n := range rows {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// PhoneExists says whether a device has the MAC (normalised, 12 hex digits or with separators).
func (s *RegistrationStore) PhoneExists(ctx context.Context, mac string) (bool, error) {
	m, ok := NormalizeMAC(mac)
	if !ok {
		return false, nil
	}
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM devices WHERE mac = $1`, m)
	return n > 0, err
}
