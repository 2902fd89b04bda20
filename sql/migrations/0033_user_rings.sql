-- A user's call sequence (sipX call forwarding): after ringing the user's own phones for
-- ringseconds, each ring in order — one after the other ("If no response") or together
-- ("At the same time"). XiVO's no-answer forward (enablerna/destrna) is its first enabled
-- sequential ring: a json.php edit of it changes that ring only, a sipX edit replaces the
-- sequence and XiVO's forward follows.
CREATE TABLE user_rings (
    user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    number     text NOT NULL,
    expiration integer NOT NULL DEFAULT 30 CHECK (expiration BETWEEN 1 AND 3600),
    parallel   boolean NOT NULL DEFAULT false,
    enabled    boolean NOT NULL DEFAULT true,
    PRIMARY KEY (user_id, position)
);

-- sipX's withVM: when the sequence ends unanswered, the caller reaches voicemail.
ALTER TABLE users ADD COLUMN forward_voicemail boolean NOT NULL DEFAULT false;

-- The forwards XiVO users already have become their first ring.
INSERT INTO user_rings (user_id, position, number, expiration, parallel, enabled)
    SELECT id, 0, destrna, 30, false, enablerna FROM users WHERE destrna <> '';
