-- Schedules (json.php call_management/schedule): opening hours (periods with mode
-- 'opened'), exceptional closures such as holidays ('closed'), and where calls go outside
-- them. The fallback is the dial action 'schedule_fallback' of the schedule (dialactions,
-- category 'schedule'); the n-th closed period's own action is its event "n".
CREATE TABLE schedules (
    id          serial PRIMARY KEY,
    entity_id   integer REFERENCES entities (id) ON DELETE RESTRICT,
    name        text NOT NULL,
    timezone    text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    commented   boolean NOT NULL DEFAULT false,
    CONSTRAINT schedules_name_key UNIQUE (name)
);

CREATE TABLE schedule_periods (
    id          serial PRIMARY KEY,
    schedule_id integer NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    mode        text NOT NULL CHECK (mode IN ('opened', 'closed')),
    position    integer NOT NULL,
    hours       text NOT NULL,
    weekdays    text NOT NULL,
    monthdays   text NOT NULL,
    months      text NOT NULL,
    commented   boolean NOT NULL DEFAULT false
);
CREATE INDEX schedule_periods_schedule_idx ON schedule_periods (schedule_id, mode, position);

-- An incall may follow a schedule (its view's schedule_id); deleting the schedule unlinks it.
ALTER TABLE incalls ADD COLUMN schedule_id integer REFERENCES schedules (id) ON DELETE SET NULL;
