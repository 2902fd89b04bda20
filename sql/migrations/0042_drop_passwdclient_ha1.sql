-- The Digest secret over loginclient now lives in user_digests (migration 0031, one per
-- login form, where the existing ones were copied); the users column is no longer read.
ALTER TABLE users DROP COLUMN passwdclient_ha1;
