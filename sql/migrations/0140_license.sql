-- The sipX license information (/sipxconfig/api/license, sipx-api.md §15): one row. The API
-- writes only the license UID (digits); the other fields are what a license file said, kept
-- for GET (empty, and -1 for "no limit", until one is stored).
CREATE TABLE license (
    id             integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    uid            text NOT NULL DEFAULT '' CHECK (uid ~ '^[0-9]{0,32}$'),
    domain         text NOT NULL DEFAULT '',
    version        text NOT NULL DEFAULT '',
    expire         text NOT NULL DEFAULT '',
    support        text NOT NULL DEFAULT '',
    license_type   text NOT NULL DEFAULT '',
    users          integer NOT NULL DEFAULT -1 CHECK (users >= -1),
    mobile_devices integer NOT NULL DEFAULT -1 CHECK (mobile_devices >= -1),
    company        text NOT NULL DEFAULT '',
    contact_email  text NOT NULL DEFAULT '',
    contact_name   text NOT NULL DEFAULT '',
    contact_phone  text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO license DEFAULT VALUES;
