-- A schedule may be a user's own (sipX /my/callfwdsched personal schedules); the others
-- (no owner) are general, usable by everyone.
ALTER TABLE schedules ADD COLUMN owner_id integer REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX schedules_owner_idx ON schedules (owner_id);
