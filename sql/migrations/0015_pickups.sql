-- Call pickup groups (json.php call_management/pickup). The id is the Asterisk pickup
-- group number, the lowest free one of 0-63. Members are 'member's (whose calls can be
-- picked up) or 'pickup's (who may pick them up): users, groups or queues.
CREATE TABLE pickups (
    id          integer PRIMARY KEY CHECK (id BETWEEN 0 AND 63),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    commented   boolean NOT NULL DEFAULT false,
    CONSTRAINT pickups_name_key UNIQUE (name)
);

CREATE TABLE pickup_members (
    pickup_id  integer NOT NULL REFERENCES pickups (id) ON DELETE CASCADE,
    category   text NOT NULL CHECK (category IN ('member', 'pickup')),
    membertype text NOT NULL CHECK (membertype IN ('user', 'group', 'queue')),
    memberid   integer NOT NULL,
    position   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (pickup_id, category, membertype, memberid)
);
CREATE INDEX pickup_members_member_idx ON pickup_members (membertype, memberid);
