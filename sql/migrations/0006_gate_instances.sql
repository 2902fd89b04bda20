-- Every running pbxws gate registers here and confirms, by generation, the account changes it
-- has applied (its caches emptied). A command that changes accounts waits until every live
-- gate has confirmed, so the change is in force everywhere before the command returns.
CREATE TABLE ws_gate_instances (
    id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    seen_generation bigint NOT NULL,
    heartbeat       timestamptz NOT NULL DEFAULT now(),
    started         timestamptz NOT NULL DEFAULT now(),
    host            text NOT NULL DEFAULT ''
);
