-- A user's speed dials (sipX /my/speeddial): buttons in order, each a number or SIP address
-- with a label, optionally watched by BLF (busy lamp field). A row in speed_dials says the
-- user keeps their own list (even empty); without one the user follows their group's.
CREATE TABLE speed_dials (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE speed_dial_buttons (
    user_id  integer NOT NULL REFERENCES speed_dials (user_id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    label    text NOT NULL DEFAULT '' CHECK (length(label) <= 64),
    number   text NOT NULL CHECK (length(number) BETWEEN 1 AND 255),
    blf      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, position)
);
