-- Stored audio files (sipx-api.md §4): the sipX "prompts" of three families, moh (music on
-- hold), pagegroups (page-group beeps and announcements) and orbits (park-orbit music), kept
-- in the database so that every instance serves the same files. A name is unique within its
-- family and kept verbatim (validated before it is stored: no path ever comes from a client).
CREATE TABLE audio_files (
    family       text NOT NULL CHECK (family IN ('moh', 'pagegroups', 'orbits')),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    content_type text NOT NULL CHECK (content_type IN ('audio/x-wav', 'audio/mpeg')),
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audio_files_family_name_key UNIQUE (family, name)
);
