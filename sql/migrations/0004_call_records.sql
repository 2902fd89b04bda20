-- Click-to-call records (callcontroller "call-status cache"). Any pbxws instance on this
-- database answers the GET; the live SIP dialogs stay with the instance that owns the record.
-- A record is visible while cache_until (created + resultCacheTime) or live_until (a lease the
-- owner renews while it still has dialogs) lies in the future; afterwards a sweeper deletes it.
CREATE TABLE call_records (
    id          bigserial PRIMARY KEY,
    call_key    text NOT NULL UNIQUE CHECK (length(call_key) <= 1024),
    method      text NOT NULL CHECK (method IN ('REFER', 'INVITE')),
    instance    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    cache_until timestamptz NOT NULL,
    live_until  timestamptz,
    -- INVITE mode: the dialogs as the GET shows them, refreshed on every state change.
    dialogs     jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX call_records_expiry_idx ON call_records (GREATEST(cache_until, COALESCE(live_until, cache_until)));

-- Status lines in arrival order (seq). No foreign key: lines of a record replaced while its old
-- dialogs still answer are dropped by the sweeper rather than failing a whole batch.
CREATE TABLE call_status_lines (
    record_id   bigint NOT NULL,
    seq         integer NOT NULL,
    at_ms       bigint NOT NULL,
    call_id     text NOT NULL,
    method      text NOT NULL,
    status_line text NOT NULL,
    PRIMARY KEY (record_id, seq)
);
