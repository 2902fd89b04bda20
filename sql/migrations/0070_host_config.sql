-- Host configuration pbxws holds for the PBX host (xivo/configuration json.php: network/*,
-- support/monitoring, provisioning/general; the CTI server's main settings). pbxws does not
-- reconfigure the machine it runs on: every change is recorded in host_config_changes and
-- announced on the channel pbxws_pbx_control (the one of control_system/reload, migration
-- 0008) with the payload
--   {"id": <host_config_changes.id>, "action": "configure", "section": "network/mail",
--    "op": "edit", "object_id": 3, "requested_by": "admin", "config": {…}}
-- for a host agent to apply. "op" is edit (singletons), add or delete (interfaces and
-- routes), or the act of provisioning/autoprov and provisioning/configregistrar;
-- "object_id" names the interface or route (absent for singletons); "config" is the new
-- value (the row added or deleted), left out when the payload would not fit a notification:
-- the agent then reads host_config_changes.value.

-- Singletons: one row per section, value holding the whole validated document
-- (models/hostconfig.go declares each section's type, defaults and rules).
CREATE TABLE host_settings (
    section text PRIMARY KEY CHECK (section IN ('network/mail', 'network/resolvconf', 'network/dhcp',
        'support/monitoring', 'provisioning/general', 'cti/main')),
    value   jsonb NOT NULL DEFAULT '{}'
);
INSERT INTO host_settings (section) VALUES ('network/mail'), ('network/resolvconf'), ('network/dhcp'),
    ('support/monitoring'), ('provisioning/general'), ('cti/main');

-- Network interfaces of the PBX host (XiVO netiface). Addresses are IPv4 dotted quads,
-- netmasks dotted masks (validated by pbxws, which also keeps gateways inside the network).
CREATE TABLE netifaces (
    id            serial PRIMARY KEY,
    ifname        text NOT NULL UNIQUE,
    hwtypeid      integer NOT NULL DEFAULT 1 CHECK (hwtypeid BETWEEN 0 AND 65535),
    networktype   text NOT NULL DEFAULT 'data' CHECK (networktype IN ('data', 'voip')),
    type          text NOT NULL DEFAULT 'iface' CHECK (type = 'iface'),
    family        text NOT NULL DEFAULT 'inet' CHECK (family = 'inet'),
    method        text NOT NULL DEFAULT 'static' CHECK (method IN ('static', 'dhcp', 'manual')),
    address       text,
    netmask       text,
    gateway       text,
    vlanrawdevice text,
    vlanid        integer CHECK (vlanid BETWEEN 1 AND 4094),
    options       text NOT NULL DEFAULT '',
    disable       boolean NOT NULL DEFAULT false,
    description   text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX netifaces_address_key ON netifaces (address) WHERE address IS NOT NULL;
-- One VoIP interface: the one the PBX signals on.
CREATE UNIQUE INDEX netifaces_voip_key ON netifaces (networktype) WHERE networktype = 'voip';

-- Static routes of the PBX host (XiVO iproute); the destination is stored as its network
-- address.
CREATE TABLE iproutes (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    iface       text NOT NULL REFERENCES netifaces (ifname) ON UPDATE CASCADE ON DELETE RESTRICT,
    destination text NOT NULL,
    netmask     text NOT NULL,
    gateway     text NOT NULL,
    disable     boolean NOT NULL DEFAULT false,
    description text NOT NULL DEFAULT '',
    UNIQUE (destination, netmask)
);
CREATE INDEX iproutes_iface_idx ON iproutes (iface);

-- Every announced change, so that an agent that was away can catch up (ids increase).
CREATE TABLE host_config_changes (
    id           bigserial PRIMARY KEY,
    section      text NOT NULL,
    op           text NOT NULL,
    object_id    text,
    requested_by text NOT NULL DEFAULT '',
    requested_at timestamptz NOT NULL DEFAULT now(),
    value        jsonb NOT NULL DEFAULT '{}'
);
