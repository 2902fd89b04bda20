-- A ring of a user's call sequence may be limited to a schedule (sipX /my/callfwd
-- scheduleId): it rings only inside the schedule's open periods. Deleting the schedule keeps
-- the ring, unlimited.
ALTER TABLE user_rings ADD COLUMN schedule_id integer REFERENCES schedules (id) ON DELETE SET NULL;
CREATE INDEX user_rings_schedule_idx ON user_rings (schedule_id) WHERE schedule_id IS NOT NULL;
