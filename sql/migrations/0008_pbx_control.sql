-- Reload and restart requests for the PBX (json.php control_system/reload|restart). pbxws
-- runs no Asterisk: it records each request and announces it on the channel
-- pbxws_pbx_control, whose payload is {"id": …, "action": "reload"|"restart",
-- "requested_by": …}, for a host agent to apply. Changes of the host configuration are
-- announced on the same channel with "action": "configure" (payload in migration 0070).
CREATE TABLE pbx_control_requests (
    id           bigserial PRIMARY KEY,
    action       text NOT NULL CHECK (action IN ('reload', 'restart')),
    requested_by text NOT NULL DEFAULT '',
    requested_at timestamptz NOT NULL DEFAULT now()
);
