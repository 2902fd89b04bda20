-- A schedule may be a sipX user group's (sipXconfig /api/schedules type U): group_id names
-- the group. A schedule is general (neither), a user's own (owner_id) or a group's, never
-- both; a deleted group takes its schedules with it, like a deleted user.
ALTER TABLE schedules ADD COLUMN group_id integer REFERENCES user_groups (id) ON DELETE CASCADE;
ALTER TABLE schedules ADD CONSTRAINT schedules_one_owner CHECK (owner_id IS NULL OR group_id IS NULL);
CREATE INDEX schedules_group_idx ON schedules (group_id);
