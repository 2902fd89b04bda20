-- What the sipX façade adds to a user: the administrator flag (the sipX ADMIN role, granted
-- through json.php, sipX /rest/user or `pbxws user grant-admin`), an e-mail address
-- (sipX emailAddress; a voicemail box's address is shown when none is set) and login aliases
-- besides the line numbers (sipX aliases).
ALTER TABLE users ADD COLUMN admin boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';

CREATE TABLE user_aliases (
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    alias   text NOT NULL,
    CONSTRAINT user_aliases_alias_key UNIQUE (alias)
);
CREATE INDEX user_aliases_user_idx ON user_aliases (user_id);
