-- The queue log in the shape Asterisk's realtime queue_log writes (queues.conf / extconfig.conf
-- "queue_log => pgsql,<db>,queue_log"): time, callid, queuename, agent, event and the event's
-- parameters split over data1..data5, so that Asterisk can write it directly. Asterisk sends
-- time as local "YYYY-MM-DD HH:MM:SS.ffffff" text (GMT with queue_log_realtime_use_gmt),
-- which timestamptz reads in the session's time zone; it leaves id to its sequence. The data
-- columns stay nullable text: Asterisk writes what the event carries, and an insert it cannot
-- make is a lost event.
CREATE TABLE queue_log (
    id        bigserial PRIMARY KEY,
    time      timestamptz NOT NULL DEFAULT now(),
    callid    text,
    queuename text,
    agent     text,
    event     text,
    data1     text,
    data2     text,
    data3     text,
    data4     text,
    data5     text,
    -- Filled by queue_log_span (below).
    entered   timestamptz,
    seconds   integer NOT NULL DEFAULT 0
);

-- What the statistics read of a call is worked out once, when the row is written, rather than
-- at every report: seconds is the length the event carries (how long the caller waited for
-- the queue's exits, CONNECT included; the conversation for COMPLETECALLER, COMPLETEAGENT and
-- the transfers (TRANSFER, and Asterisk 12's BLINDTRANSFER and ATTENDEDTRANSFER, holdtime and
-- calltime in data3 and data4 alike); the wrap-up for WRAPUPSTART; 0 otherwise or when the field is not a number), and
-- entered when the call entered the queue (the event's time less the wait, and less the
-- conversation for the events that close one; the event's own time for the others). A call
-- counts in the period it entered. Asterisk does not know these columns: the trigger fills
-- them whatever an insert says.
CREATE FUNCTION queue_log_span() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    raw  text;
    hold text;
BEGIN
    raw := CASE NEW.event
        WHEN 'CONNECT' THEN NEW.data1
        WHEN 'ABANDON' THEN NEW.data3 WHEN 'EXITWITHTIMEOUT' THEN NEW.data3
        WHEN 'EXITEMPTY' THEN NEW.data3 WHEN 'LEAVEEMPTY' THEN NEW.data3
        WHEN 'COMPLETECALLER' THEN NEW.data2 WHEN 'COMPLETEAGENT' THEN NEW.data2
        WHEN 'TRANSFER' THEN NEW.data4 WHEN 'BLINDTRANSFER' THEN NEW.data4 WHEN 'ATTENDEDTRANSFER' THEN NEW.data4
        WHEN 'WRAPUPSTART' THEN NEW.data1 END;
    hold := CASE NEW.event WHEN 'COMPLETECALLER' THEN NEW.data1 WHEN 'COMPLETEAGENT' THEN NEW.data1
        WHEN 'TRANSFER' THEN NEW.data3 WHEN 'BLINDTRANSFER' THEN NEW.data3 WHEN 'ATTENDEDTRANSFER' THEN NEW.data3 END;
    NEW.seconds := CASE WHEN raw ~ '^[0-9]{1,6}$' THEN CAST(raw AS integer) ELSE 0 END;
    NEW.entered := CASE
        WHEN NEW.event = 'WRAPUPSTART' THEN NEW.time
        WHEN hold IS NOT NULL THEN NEW.time - make_interval(secs => NEW.seconds
            + CASE WHEN hold ~ '^[0-9]{1,6}$' THEN CAST(hold AS integer) ELSE 0 END)
        ELSE NEW.time - make_interval(secs => NEW.seconds) END;
    RETURN NEW;
END
$$;
CREATE TRIGGER queue_log_span BEFORE INSERT OR UPDATE ON queue_log
    FOR EACH ROW EXECUTE FUNCTION queue_log_span();

-- A report reads, for each working period (an hour, or a working day), one queue's calls
-- (one agent's) that entered in it: an index range scan. Each index holds only the events
-- the statistics read (a queue's exits; an agent's calls, sessions and pauses: ENTERQUEUE
-- and RINGNOANSWER rows are left out) and carries the columns they read, so a month of a
-- busy queue is read from the index alone once vacuumed. Sessions and pauses are read by
-- time, equal times in id order: the state an agent is in is its last event before then.
CREATE INDEX queue_log_queue_exits_idx ON queue_log (queuename, entered) INCLUDE (event, seconds)
    WHERE event IN ('CONNECT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'LEAVEEMPTY', 'FULL', 'CLOSED',
        'JOINEMPTY', 'DIVERT_CA_RATIO', 'DIVERT_HOLDTIME');
CREATE INDEX queue_log_agent_calls_idx ON queue_log (agent, entered) INCLUDE (event, seconds)
    WHERE event IN ('CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'WRAPUPSTART');
CREATE INDEX queue_log_agent_states_idx ON queue_log (agent, time, id) INCLUDE (event)
    WHERE event IN ('AGENTLOGIN', 'AGENTCALLBACKLOGIN', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF',
        'PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL');
