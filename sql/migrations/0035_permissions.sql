-- sipX permissions: built-in ones (call handling, voicemail, applications) and custom call
-- permissions, which are XiVO call rights too (rightcall_id). A user or a user group sets a
-- permission on or off; a user who sets nothing inherits the groups' value, then the
-- permission's default.
CREATE TABLE permissions (
    name          text PRIMARY KEY,
    label         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    default_value boolean NOT NULL DEFAULT false,
    type          text NOT NULL CHECK (type IN ('CALL', 'VOICEMAIL_REDIRECT', 'APPLICATION')),
    builtin       boolean NOT NULL DEFAULT false,
    rightcall_id  integer UNIQUE REFERENCES rightcalls (id) ON DELETE CASCADE
);
CREATE SEQUENCE permission_numbers;

INSERT INTO permissions (name, label, description, default_value, type, builtin) VALUES
    ('900Dialing', '900 Dialing', 'Calls to premium 900 numbers', false, 'CALL', true),
    ('AutoAttendantDialing', 'Auto Attendant Dialing', 'Calls to the auto attendant', true, 'CALL', true),
    ('InternationalDialing', 'International Dialing', 'International calls', false, 'CALL', true),
    ('LocalDialing', 'Local Dialing', 'Local calls', true, 'CALL', true),
    ('LongDistanceDialing', 'Long Distance Dialing', 'Long distance calls', true, 'CALL', true),
    ('Mobile', 'Mobile Dialing', 'Calls to mobile phones', true, 'CALL', true),
    ('TollFree', 'Toll Free Dialing', 'Calls to toll-free numbers', true, 'CALL', true),
    ('Voicemail', 'Voicemail', 'A voicemail box', true, 'VOICEMAIL_REDIRECT', true),
    ('TUI_CHANGE_PIN', 'Change voicemail PIN', 'Change the voicemail PIN by phone or through /my/voicemail/pin', true, 'APPLICATION', true),
    ('RECORD_SYSTEM_PROMPTS', 'Record system prompts', 'Record the auto attendant''s prompts (the ATTENDANT_ADMIN role)', false, 'APPLICATION', true),
    ('music-on-hold', 'Music on hold', 'Upload music on hold', false, 'APPLICATION', true),
    ('personal-auto-attendant', 'Personal auto attendant', 'A personal auto attendant', true, 'APPLICATION', true),
    ('subscribe-to-presence', 'Subscribe to presence', 'Presence subscriptions', true, 'APPLICATION', true);

CREATE TABLE user_permissions (
    user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission text NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    enabled    boolean NOT NULL,
    PRIMARY KEY (user_id, permission)
);
CREATE TABLE group_permissions (
    group_id   integer NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    permission text NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    enabled    boolean NOT NULL,
    PRIMARY KEY (group_id, permission)
);
