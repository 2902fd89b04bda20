-- A conference room may have an owner: the user whose sipX /my/conferences lists it and who
-- may change it there.
ALTER TABLE meetmes ADD COLUMN owner_id integer REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX meetmes_owner_idx ON meetmes (owner_id);
