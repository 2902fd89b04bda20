-- A user's private key (sipX /rest/private/{key}/…: the "my" resources for clients that
-- cannot send credentials, such as feed readers). Only its SHA-256 is kept; `pbxws user
-- private-key NAME` issues a new one and shows it once.
ALTER TABLE users ADD COLUMN private_key_hash bytea UNIQUE CHECK (length(private_key_hash) = 32);
