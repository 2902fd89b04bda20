package models

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// noticeListener LISTENs on one channel for an in-memory cache. While it listens and its
// connection answers pings, the cache may answer from memory (serving); forget is called
// whenever notices may have been missed (the start, a reconnection, a ping answered again
// after failing), notice with each notice's payload, both from the listener's one goroutine.
// fallback says, for the logs, what happens while it does not listen ("the phonebooks are
// read from the database"). A nil noticeListener serves nothing: its cache reads the
// database.
type noticeListener struct {
	channel, fallback string
	log               *slog.Logger
	listener          *pq.Listener
	listening         atomic.Bool
	done              chan struct{}
	forget            func()
	notice            func(payload string)
}

// listenForNotices starts listening on channel of the database dsn names.
func listenForNotices(dsn, channel, fallback string, log *slog.Logger, forget func(), notice func(payload string)) *noticeListener {
	if log == nil {
		log = slog.Default()
	}
	l := &noticeListener{channel: channel, fallback: fallback, log: log, done: make(chan struct{}), forget: forget, notice: notice}
	l.listener = pq.NewListener(dsn, 500*time.Millisecond, 15*time.Second, l.event)
	go l.run()
	return l
}

// serving says whether the cache may answer from memory now.
func (l *noticeListener) serving() bool { return l != nil && l.listening.Load() }

// close stops listening; the cache then reads the database.
func (l *noticeListener) close() {
	if l == nil {
		return
	}
	l.listening.Store(false)
	close(l.done)
	// A ping in flight holds the listener's lock until its reply, which pq reads only once
	// the notices queued before it are taken: take them, so that Close gets the lock.
	go func() {
		for range l.listener.Notify {
		}
	}()
	_ = l.listener.Close()
}

// pingWait is how long a ping may go unanswered before the cache stops serving.
const pingWait = 10 * time.Second

func (l *noticeListener) run() {
	if err := l.listener.Listen(l.channel); err != nil {
		select {
		case <-l.done:
		default:
			l.log.Warn("cannot LISTEN for changes; "+l.fallback, "channel", l.channel, "err", err)
		}
		return
	}
	l.forget()
	l.listening.Store(true)
	// A connection that died silently (a NAT or firewall dropping it idle) sends no notice
	// and no error: a ping says so, and the cache reads the database until one answers. The
	// ping runs apart: its reply comes after the notices queued before it, which this loop
	// must keep taking meanwhile.
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	pings := make(chan error, 1)
	var pingSent time.Time // zero: no ping in flight
	down := func(err error, what string) {
		if l.listening.Swap(false) {
			l.log.Warn(what+"; "+l.fallback, "channel", l.channel, "err", err)
		}
	}
	for {
		select {
		case <-l.done:
			return
		case <-ping.C:
			if !pingSent.IsZero() {
				if time.Since(pingSent) > pingWait {
					down(nil, "the change listener does not answer its ping")
				}
				continue
			}
			pingSent = time.Now()
			go func() { pings <- l.listener.Ping() }()
		case err := <-pings:
			pingSent = time.Time{}
			if err != nil {
				down(err, "the change listener does not answer")
			} else if !l.listening.Load() {
				l.forget()
				l.listening.Store(true)
			}
		case n, ok := <-l.listener.Notify:
			if !ok {
				l.listening.Store(false)
				return
			}
			if n == nil { // reconnected: notices may have been missed
				l.forget()
				l.listening.Store(true)
				continue
			}
			l.notice(n.Extra)
		}
	}
}

// event is pq's report on the connection, from pq's own goroutine: it only stops the
// serving and says so; the reconnection's nil notice resumes it, in run.
func (l *noticeListener) event(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventReconnected:
		l.log.Info("listening for changes again", "channel", l.channel)
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		if l.listening.Swap(false) {
			l.log.Warn("lost the change listener; "+l.fallback, "channel", l.channel, "err", err)
		}
	}
}
