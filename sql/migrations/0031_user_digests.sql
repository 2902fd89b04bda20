-- A Digest secret per login form: HA1 = MD5(login ":" realm ":" portal password) for the user
-- name and for each line number, line name and alias a user answers to, so that a client may
-- log in with any of them (RFC 2617 binds the secret to the name the client typed). They are
-- computed when the password is set: a login form added later (a new line) has its secret
-- from the next password change on; Basic takes it at once.
CREATE TABLE user_digests (
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login   text NOT NULL,
    ha1     text NOT NULL,
    PRIMARY KEY (user_id, login)
);
-- What passwdclient_ha1 held (over loginclient) carries over.
INSERT INTO user_digests (user_id, login, ha1)
    SELECT id, lower(loginclient), passwdclient_ha1 FROM users
    WHERE loginclient IS NOT NULL AND loginclient <> '' AND passwdclient_ha1 <> '';
