-- sipX park orbits are the XiVO parking lots (sipx-api.md §11). What only sipX knows of an
-- orbit: its music, a file of the "orbits" prompt family (NULL: none; a file in use cannot be
-- deleted), the sipX server (location) it runs on, 1 being this pbxws, and the park timeout
-- sipX keeps while the timeout is off (duration 0 holds no seconds; while it is on, duration
-- is the timeout and park_timeout stays NULL: never stored twice). Its other settings
-- (general/transferKey) are setting_values of owner kind "orbit".
ALTER TABLE parking_lots
    ADD COLUMN music        text,
    ADD COLUMN music_family text NOT NULL GENERATED ALWAYS AS ('orbits') STORED,
    ADD COLUMN server_id    integer NOT NULL DEFAULT 1 CHECK (server_id >= 1),
    ADD COLUMN park_timeout integer CHECK (park_timeout BETWEEN 30 AND 300),
    ADD CONSTRAINT parking_lots_music_fkey FOREIGN KEY (music_family, music) REFERENCES audio_files (family, name);
CREATE INDEX parking_lots_music_idx ON parking_lots (music) WHERE music IS NOT NULL;
