-- Settings trees (sipx-api.md §3): an owner (a phone, a line, a phone group, a gateway, an
-- orbit, a service) stores only the values that differ from its tree's defaults, path →
-- value; a NULL value is an override to "no value". The definitions are code (pbxws), so the
-- table only knows kinds and ids; owners drop theirs when they go (models.DropSettings).
CREATE TABLE setting_values (
    owner_kind text NOT NULL CHECK (length(owner_kind) BETWEEN 1 AND 40),
    owner_id   text NOT NULL CHECK (length(owner_id) BETWEEN 1 AND 80),
    path       text NOT NULL CHECK (length(path) BETWEEN 1 AND 400),
    value      text CHECK (length(value) <= 10000),
    PRIMARY KEY (owner_kind, owner_id, path)
);
