-- Who a click-to-call record is for: the user who asked and the two parties as the request
-- named them (user@host), so that a user's calls in progress can be listed
-- (sipX /my/activecdrs) without parsing call keys.
ALTER TABLE call_records ADD COLUMN user_id integer, ADD COLUMN caller text, ADD COLUMN callee text;
CREATE INDEX call_records_user_idx ON call_records (user_id) WHERE live_until IS NOT NULL;
