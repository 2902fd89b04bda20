-- e911 emergency response locations (ERLs): a location with the ELIN (the DID a PSAP calls
-- back) sent out on a 911 call. Users, user groups and phones are linked to at most one ERL
-- each; deleting an ERL leaves them with none.
CREATE TABLE erls (
    elin         text PRIMARY KEY CHECK (elin ~ '^[0-9]{10,11}$'),
    location     text NOT NULL CHECK (length(location) BETWEEN 1 AND 255),
    address_info text NOT NULL DEFAULT '' CHECK (length(address_info) <= 255),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 255)
);

CREATE TABLE user_erls (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    elin    text NOT NULL REFERENCES erls (elin) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE user_group_erls (
    group_id integer PRIMARY KEY REFERENCES user_groups (id) ON DELETE CASCADE,
    elin     text NOT NULL REFERENCES erls (elin) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE device_erls (
    device_id text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    elin      text NOT NULL REFERENCES erls (elin) ON UPDATE CASCADE ON DELETE CASCADE
);

-- sipX phone groups (sipx-api.md §7.5): named, ordered sets of phones. The e911 resources
-- set the location of a group's phones; /api/phoneGroups will manage the groups themselves.
CREATE TABLE phone_groups (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    weight      integer NOT NULL DEFAULT 0,
    CONSTRAINT phone_groups_name_key UNIQUE (name)
);

CREATE TABLE phone_group_members (
    group_id  integer NOT NULL REFERENCES phone_groups (id) ON DELETE CASCADE,
    device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, device_id)
);
CREATE INDEX phone_group_members_device_idx ON phone_group_members (device_id);
