package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	pbxsql "pbxws/sql"
)

// Health is what /status reports, in the manner of wazo's /status: each part "ok" or
// "fail" (or "disabled"), and nothing of the configuration (no address, no error text).
type Health map[string]struct {
	Status string `json:"status"`
}

// healthCheck caches the last check for a second, so that an unauthenticated endpoint
// cannot turn into a load on the database.
type healthCheck struct {
	mu   sync.Mutex
	at   time.Time
	last Health
	ok   bool
}

const healthCacheFor = time.Second

func (s *Server) statusParts(ctx context.Context) (Health, bool) {
	h := &s.statusCache
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.at) < healthCacheFor && h.last != nil {
		return h.last, h.ok
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, allOK := Health{}, true
	set := func(part string, state string) {
		out[part] = struct {
			Status string `json:"status"`
		}{state}
		if state == "fail" {
			allOK = false
		}
	}
	okOrFail := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "fail"
	}
	dbOK := s.db.PingContext(ctx) == nil
	set("database", okOrFail(dbOK))
	migrated := false
	if dbOK {
		latest, verr := pbxsql.SchemaVersion(ctx, s.db)
		ms, err := pbxsql.Migrations()
		migrated = verr == nil && err == nil && len(ms) > 0 && latest == ms[len(ms)-1].Version
	}
	set("migrations", okOrFail(migrated))
	if s.sip == nil {
		set("sip_udp", "disabled")
		set("sip_tcp", "disabled")
		set("registrar", "disabled")
	} else {
		udpOK := probeSIPUDP(ctx, s.sip.Addr())
		set("sip_udp", okOrFail(udpOK))
		if s.cfg.SIPTCP {
			set("sip_tcp", okOrFail(probeTCP(ctx, s.sip.Addr())))
		} else {
			set("sip_tcp", "disabled")
		}
		if s.cfg.SIPRegistrar {
			// The registrar answers over SIP from the registrations table.
			regOK := udpOK && dbOK
			if regOK {
				regOK = s.stores.Registrations.Check(ctx) == nil
			}
			set("registrar", okOrFail(regOK))
		} else {
			set("registrar", "disabled")
		}
	}
	h.at, h.last, h.ok = time.Now(), out, allOK
	return out, allOK
}

// probeSIPUDP sends an OPTIONS to the agent's own UDP socket and waits for any response.
func probeSIPUDP(ctx context.Context, addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	local := c.LocalAddr().String()
	msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n"+
		"From: <sip:health@%s>;tag=%s\r\nTo: <sip:%s>\r\nCall-ID: %s@pbxws-health\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, local, id, local, id, addr, id)
	if _, err := c.Write([]byte(msg)); err != nil {
		return false
	}
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	return err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 ")
}

func probeTCP(ctx context.Context, addr string) bool {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// status is /status: every part, ok or fail (503 when one fails).
func (s *Server) status(c *fiber.Ctx) error {
	h, ok := s.statusParts(c.UserContext())
	if !ok {
		c.Status(fiber.StatusServiceUnavailable)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(h)
}

// readyz is /readyz: the database answers and the schema is current.
func (s *Server) readyz(c *fiber.Ctx) error {
	h, _ := s.statusParts(c.UserContext())
	c.Set(fiber.HeaderCacheControl, "no-store")
	if h["database"].Status != "ok" || h["migrations"].Status != "ok" {
		c.Set(fiber.HeaderRetryAfter, "1")
		return c.Status(fiber.StatusServiceUnavailable).SendString("not ready\n")
	}
	return c.SendString("ok\n")
}

// healthz is /healthz: the process answers.
func healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok\n")
}
