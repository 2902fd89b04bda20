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
    data5     text
);

-- The statistics read one queue (or a few agents) over a period: a range scan of that queue's
-- events in time order. The queue index carries what the queue counters read (the event and
-- the waiting times of data1/data3/data4), so a month of a busy queue is read from the index
-- alone once vacuumed.
CREATE INDEX queue_log_queue_time_idx ON queue_log (queuename, time) INCLUDE (event, data1, data3, data4);
CREATE INDEX queue_log_agent_time_idx ON queue_log (agent, time);
