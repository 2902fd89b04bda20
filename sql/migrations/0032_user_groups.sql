-- sipX user groups (settings and permission groups): not XiVO's ring groups, which are
-- pbx_settings/groups. A group may belong to a branch (an entity).
CREATE TABLE user_groups (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    entity_id   integer REFERENCES entities (id) ON DELETE SET NULL,
    CONSTRAINT user_groups_name_key UNIQUE (name)
);

CREATE TABLE user_group_members (
    group_id integer NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX user_group_members_user_idx ON user_group_members (user_id);
