-- A ring group, like an incall, may rewrite the caller's name and follow a schedule (its
-- view's callerid and schedule_id); deleting the schedule unlinks it.
ALTER TABLE groups
    ADD COLUMN callerid_mode    text NOT NULL DEFAULT '' CHECK (callerid_mode IN ('', 'prepend', 'overwrite', 'append')),
    ADD COLUMN callerid_display text NOT NULL DEFAULT '',
    ADD COLUMN schedule_id      integer REFERENCES schedules (id) ON DELETE SET NULL;
