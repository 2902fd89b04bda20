-- sipX page groups (sipx-api.md §10): a number dialled after the paging prefix (the
-- settings tree page-config/prefix, default *77) that pages its member users at once,
-- for at most timeout seconds, after a beep (sound: a prompt of the "pagegroups" family,
-- '' for none). A sipX-only object: XiVO has no view of it; members are canonical users.
CREATE TABLE page_groups (
    id          serial PRIMARY KEY,
    number      integer NOT NULL CHECK (number BETWEEN 1 AND 9999),
    enabled     boolean NOT NULL DEFAULT false,
    timeout     integer NOT NULL DEFAULT 60 CHECK (timeout BETWEEN 1 AND 3600),
    sound       text NOT NULL DEFAULT '',
    description text CHECK (length(description) <= 1000),
    CONSTRAINT page_groups_number_key UNIQUE (number)
);
CREATE INDEX page_groups_sound_idx ON page_groups (sound) WHERE sound <> '';

CREATE TABLE page_group_members (
    page_group_id integer NOT NULL REFERENCES page_groups (id) ON DELETE CASCADE,
    user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (page_group_id, user_id)
);
CREATE INDEX page_group_members_user_idx ON page_group_members (user_id);
