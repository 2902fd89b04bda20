-- General settings: one row per section (general_settings/sip, iax, sccp, voicemail,
-- phonebook, advanced, the queue logger's configuration). value holds only what differs
-- from the documented defaults (models/settings.go declares each key's type, default and
-- rule); reads merge it over them. An edit locks its section's row.
CREATE TABLE settings (
    section text PRIMARY KEY,
    value   jsonb NOT NULL DEFAULT '{}'
);
INSERT INTO settings (section) VALUES ('sip'), ('iax'), ('sccp'), ('voicemail'), ('phonebook'),
    ('advanced'), ('queuelogger');
