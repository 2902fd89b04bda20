-- Trunks: SIP, IAX and custom-interface peers that outgoing routes dial through. One table
-- for the three protocols: they share everything but a few columns (a custom trunk has an
-- interface, no peer settings and no registration).
CREATE TABLE trunks (
    id          serial PRIMARY KEY,
    protocol    text NOT NULL CHECK (protocol IN ('sip', 'iax', 'custom')),
    name        text NOT NULL,
    -- NULL only for a custom trunk given no context.
    context     text REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    type        text NOT NULL DEFAULT 'peer',
    username    text NOT NULL DEFAULT '',
    secret      text NOT NULL DEFAULT '',
    host        text NOT NULL DEFAULT 'dynamic',
    transport   text NOT NULL DEFAULT '',
    interface   text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    commented   boolean NOT NULL DEFAULT false,
    -- The other peer settings (port, dtmfmode, allow…), stored without their defaults.
    options     jsonb NOT NULL DEFAULT '{}',
    -- The registration the PBX sends to the provider (SIP, IAX), NULL when none.
    register    jsonb,
    CONSTRAINT trunks_protocol_name_key UNIQUE (protocol, name)
);
