package sip

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"pbxws/metrics"
	"pbxws/models"
)

// Registration bounds, in seconds.
const (
	regDefault = 3600
	regMin     = 60
	regMax     = 3600
	nonceLife  = 5 * time.Minute
)

// nonceKeeper issues self-validating nonces: base64url(expiry ms ‖ HMAC-SHA256(key, expiry)[:12]).
type nonceKeeper struct{ key []byte }

func newNonceKeeper() *nonceKeeper {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return &nonceKeeper{key: k}
}

func (n *nonceKeeper) issue(now time.Time) string {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Add(nonceLife).UnixMilli()))
	m := hmac.New(sha256.New, n.key)
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// check reports whether nonce is ours (genuine) and whether it has expired (stale).
func (n *nonceKeeper) check(nonce string, now time.Time) (genuine, stale bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 20 {
		return false, false
	}
	m := hmac.New(sha256.New, n.key)
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:12], b[8:]) {
		return false, false
	}
	exp := time.UnixMilli(int64(binary.BigEndian.Uint64(b[:8])))
	return true, now.After(exp)
}

// onRegister is the registrar for the SIP lines pbxws knows: the To user names a line (by name
// or number), the request is Digest-authenticated against the line's secret, and the contacts
// are stored in `registrations` with their expiry.
func (a *Agent) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !a.cfg.Registrar {
		metrics.Registrations.WithLabelValues("refused").Inc()
		respond(tx, req, 403, "Forbidden")
		return
	}
	to := req.To()
	if to == nil || !a.isLocal(to.Address.Host) {
		respond(tx, req, 403, "Forbidden")
		return
	}
	user := to.Address.User
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	line, err := a.dir.LookupLine(ctx, user)
	if errors.Is(err, models.ErrNotFound) {
		respond(tx, req, 404, "Not Found")
		return
	}
	if err != nil {
		a.log.Error("registrar lookup", "user", user, "err", err)
		respond(tx, req, 500, "Server Internal Error")
		return
	}
	if !a.requireDigest(ctx, req, tx, line, false) {
		metrics.Registrations.WithLabelValues("challenged").Inc()
		return
	}
	code, reason, hdrs := a.saveBindings(ctx, req, user, to.Address.Host)
	result := "refused"
	if code >= 200 && code < 300 {
		result = "ok"
	}
	metrics.Registrations.WithLabelValues(result).Inc()
	respond(tx, req, code, reason, hdrs...)
}

// saveBindings applies the Contact headers of an authenticated REGISTER and returns the answer.
func (a *Agent) saveBindings(ctx context.Context, req *sip.Request, user, domain string) (int, string, []sip.Header) {
	defExp := regDefault
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			return 400, "Bad Expires", nil
		}
		defExp = n
	}
	callID, cseq := callID(req), 0
	if c := req.CSeq(); c != nil {
		cseq = int(c.SeqNo)
	}
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}
	received := ""
	if src := req.Source(); src != "" {
		received = "sip:" + src
	}
	contacts := req.GetHeaders("Contact")
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return 500, "Server Internal Error", nil
	}
	defer func() { _ = tx.Rollback() }()
	for _, h := range contacts {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return 400, "Bad Contact", nil
		}
		if c.Address.Wildcard {
			if defExp != 0 || len(contacts) != 1 {
				return 400, "Bad Wildcard Contact", nil
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2`, user, domain); err != nil {
				return 500, "Server Internal Error", nil
			}
			continue
		}
		exp := defExp
		if v, ok := c.Params.Get("expires"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 400, "Bad Contact Expires", nil
			}
			exp = n
		}
		uri := c.Address.String()
		if len(uri) > 512 || strings.ContainsAny(uri, "\r\n") {
			return 400, "Bad Contact", nil
		}
		if exp == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2 AND contact = $3`, user, domain, uri); err != nil {
				return 500, "Server Internal Error", nil
			}
			continue
		}
		if exp < regMin {
			return 423, "Interval Too Brief", []sip.Header{sip.NewHeader("Min-Expires", strconv.Itoa(regMin))}
		}
		if exp > regMax {
			exp = regMax
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2 AND contact = $3`, user, domain, uri); err != nil {
			return 500, "Server Internal Error", nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, received, expires,
			callid, cseq, last_modified, user_agent, socket)
			VALUES ($1, $2, $3, $4, $5, localtimestamp + make_interval(secs => $6), $7, $8, localtimestamp, $9, $10)`,
			"pbxws-"+randomHex(12), user, domain, uri, received, exp, truncate(callID, 255), cseq,
			truncate(ua, 255), "udp:"+a.Addr()); err != nil {
			a.log.Error("registrar insert", "user", user, "err", err)
			return 500, "Server Internal Error", nil
		}
	}
	// Expired bindings of this AOR go now; the answer lists the ones that remain.
	if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2 AND expires <= localtimestamp`, user, domain); err != nil {
		return 500, "Server Internal Error", nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT contact, GREATEST(0, EXTRACT(EPOCH FROM expires - localtimestamp))::int
		FROM registrations WHERE username = $1 AND domain = $2 ORDER BY last_modified DESC`, user, domain)
	if err != nil {
		return 500, "Server Internal Error", nil
	}
	var hdrs []sip.Header
	for rows.Next() {
		var contact string
		var left int
		if err := rows.Scan(&contact, &left); err != nil {
			rows.Close()
			return 500, "Server Internal Error", nil
		}
		hdrs = append(hdrs, sip.NewHeader("Contact", "<"+contact+">;expires="+strconv.Itoa(left)))
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return 500, "Server Internal Error", nil
	}
	hdrs = append(hdrs, sip.NewHeader("Date", time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return 200, "OK", hdrs
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
