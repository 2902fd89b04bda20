package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// NetIface is a network interface of the PBX host (network/interface). A static interface
// has an address and netmask, and may have the default gateway, which lies in its network.
type NetIface struct {
	ID            int     `db:"id" json:"id"`
	IfName        string  `db:"ifname" json:"ifname"`
	HwTypeID      int     `db:"hwtypeid" json:"hwtypeid"`
	NetworkType   string  `db:"networktype" json:"networktype"`
	Type          string  `db:"type" json:"type"`
	Family        string  `db:"family" json:"family"`
	Method        string  `db:"method" json:"method"`
	Address       *string `db:"address" json:"address"`
	Netmask       *string `db:"netmask" json:"netmask"`
	Gateway       *string `db:"gateway" json:"gateway"`
	VlanRawDevice *string `db:"vlanrawdevice" json:"vlanrawdevice"`
	VlanID        *int    `db:"vlanid" json:"vlanid"`
	Options       string  `db:"options" json:"options"`
	Disable       bool    `db:"disable" json:"disable"`
	Description   string  `db:"description" json:"description"`
}

const netifaceCols = `id, ifname, hwtypeid, networktype, type, family, method, address, netmask, gateway,
	vlanrawdevice, vlanid, options, disable, description`

// NewNetIface is an interface with the defaults an add starts from.
func NewNetIface() *NetIface {
	return &NetIface{HwTypeID: 1, NetworkType: "data", Type: "iface", Family: "inet", Method: "static"}
}

// network is the interface's IPv4 network, when it has an address and netmask.
func (n *NetIface) network() (netip.Prefix, bool) {
	if n.Address == nil || n.Netmask == nil {
		return netip.Prefix{}, false
	}
	return ipv4Net(*n.Address, *n.Netmask)
}

var (
	reIfName        = regexp.MustCompile(`^[-A-Za-z0-9_:.]{1,64}$`)
	reVlanRawDevice = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	reRouteName     = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)
)

// normalize checks the interface alone and puts its values in stored form (netmask dotted,
// no addresses for DHCP).
func (n *NetIface) normalize() *ValidationError {
	ve := &ValidationError{}
	if !reIfName.MatchString(n.IfName) {
		ve.Add("ifname", "must be 1-64 characters of A-Z, a-z, 0-9, - _ : .")
	}
	if n.HwTypeID < 0 || n.HwTypeID > 65535 {
		ve.Add("hwtypeid", "must be between 0 and 65535")
	}
	if n.NetworkType != "data" && n.NetworkType != "voip" {
		ve.Add("networktype", "must be one of: data, voip")
	}
	if n.Type != "iface" {
		ve.Add("type", "must be iface")
	}
	if n.Family != "inet" {
		ve.Add("family", "must be inet (IPv4)")
	}
	switch n.Method {
	case "dhcp":
		n.Address, n.Netmask, n.Gateway = nil, nil, nil // the DHCP server gives them
	case "static", "manual":
		if n.Method == "static" && n.Address == nil {
			ve.Add("address", "is required for a static interface")
		}
		if n.Method == "static" && n.Netmask == nil {
			ve.Add("netmask", "is required for a static interface")
		}
		if n.Address != nil && n.Netmask == nil {
			ve.Add("netmask", "is required with an address")
		}
		if n.Gateway != nil && n.Address == nil {
			ve.Add("address", "is required with a gateway")
		}
	default:
		ve.Add("method", "must be one of: static, dhcp, manual")
	}
	if n.Address != nil {
		if _, ok := ParseIPv4(*n.Address); !ok {
			ve.Add("address", ruleIPv4)
		}
	}
	if n.Netmask != nil {
		if _, dotted, ok := ParseNetmask(*n.Netmask); ok {
			n.Netmask = &dotted
		} else {
			ve.Add("netmask", ruleNetmask)
		}
	}
	if a, ok := ParseIPv4(deref(n.Address)); ok && n.Netmask != nil {
		if p, hasNet := n.network(); hasNet {
			switch {
			case p.Bits() == 0:
				ve.Add("netmask", "must leave a network: 1 to 32 bits (0 is every address)")
			case !a.IsGlobalUnicast() && !a.IsPrivate():
				ve.Add("address", "must be a unicast address (not 0.0.0.0, loopback, multicast or broadcast)")
			case !hostInNet(p, a):
				ve.Add("address", fmt.Sprintf("must be a host of its network %s, neither its network nor its broadcast address", p))
			}
		}
	}
	if n.Gateway != nil {
		gw, ok := ParseIPv4(*n.Gateway)
		p, hasNet := n.network()
		switch {
		case !ok:
			ve.Add("gateway", ruleIPv4)
		case hasNet && !hostInNet(p, gw):
			ve.Add("gateway", fmt.Sprintf("must lie in the interface's network %s (and be neither its network nor its broadcast address)", p))
		case n.Address != nil && *n.Address == *n.Gateway:
			ve.Add("gateway", "must differ from the interface's own address")
		}
	}
	if (n.VlanID == nil) != (n.VlanRawDevice == nil) {
		ve.Add("vlanid", "vlanid and vlanrawdevice go together: give both or neither")
	}
	if n.VlanID != nil && (*n.VlanID < 1 || *n.VlanID > 4094) {
		ve.Add("vlanid", "must be between 1 and 4094")
	}
	if n.VlanRawDevice != nil && !reVlanRawDevice.MatchString(*n.VlanRawDevice) {
		ve.Add("vlanrawdevice", "must be 1-64 characters of a-z, 0-9, _")
	}
	textRule(ve, "description", n.Description, 1000)
	if len(n.Options) > 2000 {
		ve.Add("options", "must be at most 2000 characters")
	}
	return ve
}

var netifaceConstraints = map[string]string{
	"netifaces_ifname_key":  "ifname",
	"netifaces_address_key": "address",
	"netifaces_voip_key":    "networktype",
}

// NetIfaceStore reads and writes the host's network interfaces.
type NetIfaceStore struct{ db *sqlx.DB }

// List returns every interface by name.
func (s *NetIfaceStore) List(ctx context.Context) ([]NetIface, error) {
	var out []NetIface
	err := s.db.SelectContext(ctx, &out, `SELECT `+netifaceCols+` FROM netifaces ORDER BY ifname`)
	return out, err
}

// Get returns one interface.
func (s *NetIfaceStore) Get(ctx context.Context, id int) (*NetIface, error) {
	var n NetIface
	err := s.db.GetContext(ctx, &n, `SELECT `+netifaceCols+` FROM netifaces WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &n, err
}

// Create validates, inserts and announces an interface. Adds are serialised (a table lock
// that readers do not wait for) so that two cannot both take the default gateway.
func (s *NetIfaceStore) Create(ctx context.Context, n *NetIface) error {
	if err := n.normalize().OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE netifaces IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		if n.Gateway != nil && !n.Disable {
			var other string
			err := tx.GetContext(ctx, &other, `SELECT ifname FROM netifaces WHERE gateway IS NOT NULL AND NOT disable LIMIT 1`)
			if err == nil {
				return Invalid("gateway", "the default gateway is already on interface "+other+": an enabled host has one")
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		dhcp, err := dhcpShared(ctx, tx)
		if err != nil {
			return err
		}
		if msg, err := poolWithout(ctx, tx, dhcp, 0, n); err != nil || msg != "" {
			if err == nil {
				err = Invalid("address", "must not fall in the active DHCP pool (network/dhcp): "+msg)
			}
			return err
		}
		err = tx.GetContext(ctx, &n.ID, `INSERT INTO netifaces (ifname, hwtypeid, networktype, type, family, method,
			address, netmask, gateway, vlanrawdevice, vlanid, options, disable, description)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			n.IfName, n.HwTypeID, n.NetworkType, n.Type, n.Family, n.Method, n.Address, n.Netmask, n.Gateway,
			n.VlanRawDevice, n.VlanID, n.Options, n.Disable, n.Description)
		if err != nil {
			return mapPQ(err, netifaceConstraints)
		}
		return announceHostChange(ctx, tx, "network/interface", "add", strconv.Itoa(n.ID), n)
	})
}

// Delete removes an interface and announces it. An interface a route goes through, or the
// DHCP server listens on, stays (InUseError).
func (s *NetIfaceStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The DHCP row first, as a DHCP edit locks it before the interfaces: no lock cycle.
		dhcp, err := dhcpShared(ctx, tx)
		if err != nil {
			return err
		}
		dhcpIfaces := dhcp.ExtraIfaces
		var n NetIface
		err = tx.GetContext(ctx, &n, `SELECT `+netifaceCols+` FROM netifaces WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if slices.Contains(dhcpIfaces, n.IfName) {
			return &InUseError{Msg: "interface " + n.IfName + " is one of the DHCP server's extra_ifaces (network/dhcp)"}
		}
		var routes []string
		if err := tx.SelectContext(ctx, &routes, `SELECT name FROM iproutes WHERE iface = $1 ORDER BY name`, n.IfName); err != nil {
			return err
		}
		if len(routes) > 0 {
			return &InUseError{Msg: fmt.Sprintf("interface %s carries the routes %v (network/iproute)", n.IfName, routes)}
		}
		if msg, err := poolWithout(ctx, tx, dhcp, id, nil); err != nil || msg != "" {
			if err == nil {
				err = &InUseError{Msg: "interface " + n.IfName + " holds the active DHCP pool (network/dhcp): " + msg}
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM netifaces WHERE id = $1`, id); err != nil {
			return mapPQ(err, nil)
		}
		return announceHostChange(ctx, tx, "network/interface", "delete", strconv.Itoa(id), n)
	})
}

// IPRoute is a static route of the PBX host (network/iproute): destination/netmask through
// gateway on interface iface. The destination is kept as its network address.
type IPRoute struct {
	ID          int    `db:"id" json:"id"`
	Name        string `db:"name" json:"name"`
	Iface       string `db:"iface" json:"iface"`
	Destination string `db:"destination" json:"destination"`
	Netmask     string `db:"netmask" json:"netmask"`
	Gateway     string `db:"gateway" json:"gateway"`
	Disable     bool   `db:"disable" json:"disable"`
	Description string `db:"description" json:"description"`
}

const iprouteCols = `id, name, iface, destination, netmask, gateway, disable, description`

// NewIPRoute is a route with the defaults an add starts from (a host route).
func NewIPRoute() *IPRoute { return &IPRoute{Netmask: "255.255.255.255"} }

// IPRouteStore reads and writes the host's static routes.
type IPRouteStore struct{ db *sqlx.DB }

// List returns every route by name.
func (s *IPRouteStore) List(ctx context.Context) ([]IPRoute, error) {
	var out []IPRoute
	err := s.db.SelectContext(ctx, &out, `SELECT `+iprouteCols+` FROM iproutes ORDER BY name, id`)
	return out, err
}

// Search returns the routes whose name, interface, destination, netmask, gateway or
// description contains term (case-insensitively).
func (s *IPRouteStore) Search(ctx context.Context, term string) ([]IPRoute, error) {
	var out []IPRoute
	err := s.db.SelectContext(ctx, &out, `SELECT `+iprouteCols+` FROM iproutes
		WHERE name ILIKE $1 OR iface ILIKE $1 OR destination ILIKE $1 OR netmask ILIKE $1
			OR gateway ILIKE $1 OR description ILIKE $1
		ORDER BY name, id`, likeTerm(term))
	return out, err
}

// Get returns one route.
func (s *IPRouteStore) Get(ctx context.Context, id int) (*IPRoute, error) {
	var r IPRoute
	err := s.db.GetContext(ctx, &r, `SELECT `+iprouteCols+` FROM iproutes WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &r, err
}

// Create validates, inserts and announces a route. Its interface must exist (and is
// share-locked meanwhile); the gateway must lie in that interface's network when the
// interface has a known one.
func (s *IPRouteStore) Create(ctx context.Context, r *IPRoute) error {
	ve := &ValidationError{}
	if !reRouteName.MatchString(r.Name) {
		ve.Add("name", "must be 1-64 characters of a-z, 0-9, _ . -")
	}
	dest, okDest := ParseIPv4(r.Destination)
	if !okDest {
		ve.Add("destination", ruleIPv4)
	}
	bits, dotted, okMask := ParseNetmask(r.Netmask)
	if okMask {
		r.Netmask = dotted
	} else {
		ve.Add("netmask", ruleNetmask)
	}
	if okDest && okMask {
		p, _ := dest.Prefix(bits)
		r.Destination = p.Addr().String()
	}
	gw, okGW := ParseIPv4(r.Gateway)
	if !okGW {
		ve.Add("gateway", ruleIPv4)
	}
	textRule(ve, "description", r.Description, 1000)
	if !reIfName.MatchString(r.Iface) {
		ve.Add("iface", "must name a network interface")
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var iface NetIface
		err := tx.GetContext(ctx, &iface, `SELECT `+netifaceCols+` FROM netifaces WHERE ifname = $1 FOR SHARE`, r.Iface)
		if errors.Is(err, sql.ErrNoRows) {
			return Invalid("iface", "must name a network interface ("+r.Iface+" is none)")
		}
		if err != nil {
			return err
		}
		if p, ok := iface.network(); ok && !hostInNet(p, gw) {
			return Invalid("gateway", fmt.Sprintf("must lie in the network of interface %s (%s)", iface.IfName, p))
		}
		if iface.Address != nil && *iface.Address == r.Gateway {
			return Invalid("gateway", "must be a router, not the address of interface "+iface.IfName)
		}
		err = tx.GetContext(ctx, &r.ID, `INSERT INTO iproutes (name, iface, destination, netmask, gateway, disable, description)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			r.Name, r.Iface, r.Destination, r.Netmask, r.Gateway, r.Disable, r.Description)
		if err != nil {
			return mapPQ(err, map[string]string{"iproutes_destination_netmask_key": "destination"})
		}
		return announceHostChange(ctx, tx, "network/iproute", "add", strconv.Itoa(r.ID), r)
	})
}

// Delete removes a route and announces it.
func (s *IPRouteStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r IPRoute
		err := tx.GetContext(ctx, &r, `DELETE FROM iproutes WHERE id = $1 RETURNING `+iprouteCols, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return announceHostChange(ctx, tx, "network/iproute", "delete", strconv.Itoa(id), r)
	})
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// dhcpShared reads the DHCP server's configuration, share-locked (its defaults when none is
// stored).
func dhcpShared(ctx context.Context, tx *sqlx.Tx) (*DHCPConfig, error) {
	d := &DHCPConfig{}
	d.setDefaults()
	var raw []byte
	err := tx.GetContext(ctx, &raw, `SELECT CAST(value AS text) FROM host_settings WHERE section = 'network/dhcp' FOR SHARE`)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	return d, json.Unmarshal(raw, d)
}

// poolWithout checks the active DHCP pool against the interfaces as they would be without
// the interface numbered drop (0: none) and with add (nil: none): "" when it still lies in
// one static interface's subnet and holds none of its addresses, else why not.
func poolWithout(ctx context.Context, tx *sqlx.Tx, d *DHCPConfig, drop int, add *NetIface) (string, error) {
	start, okStart := ParseIPv4(d.PoolStart)
	end, okEnd := ParseIPv4(d.PoolEnd)
	if !d.Active || !okStart || !okEnd {
		return "", nil
	}
	var ifaces []NetIface
	if err := tx.SelectContext(ctx, &ifaces, `SELECT `+netifaceCols+` FROM netifaces WHERE id <> $1 ORDER BY id`, drop); err != nil {
		return "", err
	}
	if add != nil {
		ifaces = append(ifaces, *add)
	}
	if add != nil {
		for _, own := range []*string{add.Address, add.Gateway} {
			if a, ok := ParseIPv4(deref(own)); ok && !a.Less(start) && !end.Less(a) {
				return fmt.Sprintf("%s lies in the pool %s-%s", a, start, end), nil
			}
		}
	}
	ve := &ValidationError{}
	d.checkPoolInSubnet(ve, ifaces, start, end)
	for _, rule := range ve.Fields {
		return rule, nil
	}
	return "", nil
}
