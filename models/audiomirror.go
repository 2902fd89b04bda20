package models

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// AudioFilesChannel carries "<family>/<name>" for every stored audio file added or deleted,
// so that every instance with a mirror folder keeps it equal to the database (an upload
// reaches one instance; a media server may sit next to any).
const AudioFilesChannel = "pbxws_audio_files"

// notifyAudioChange announces a file's change in the write's transaction.
func notifyAudioChange(ctx context.Context, tx *sqlx.Tx, family, name string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, AudioFilesChannel, family+"/"+name)
	return err
}

// ListenMirror keeps the mirror folder equal to the database while it runs: every file at
// start and after the listener reconnects (notices may have been missed), then each file
// another instance (or this one) announces. Stop ends it.
func (s *AudioFileStore) ListenMirror(dsn string, log *slog.Logger) (stop func()) {
	if s.MirrorDir == "" {
		return func() {}
	}
	if log == nil {
		log = slog.Default()
	}
	done := make(chan struct{})
	l := pq.NewListener(dsn, 500*time.Millisecond, 15*time.Second, nil)
	go func() {
		if err := l.Listen(AudioFilesChannel); err != nil {
			log.Warn("cannot LISTEN for audio file changes; the sounds mirror follows this instance's writes only", "err", err)
			return
		}
		s.syncMirror(context.Background(), log)
		ping := time.NewTicker(pingEvery)
		defer ping.Stop()
		for {
			select {
			case <-done:
				return
			case <-ping.C:
				_ = l.Ping()
			case n, ok := <-l.Notify:
				if !ok {
					return
				}
				if n == nil {
					s.syncMirror(context.Background(), log)
					continue
				}
				family, name, _ := strings.Cut(n.Extra, "/")
				s.mirrorOne(context.Background(), family, name)
			}
		}
	}()
	return func() { close(done); _ = l.Close() }
}

// mirrorOne brings one file's mirror copy in line with the database: written when stored
// and missing (or of another size), removed when gone.
func (s *AudioFileStore) mirrorOne(ctx context.Context, family, name string) {
	if _, err := AudioNameType(name); err != nil || !slices.Contains(AudioFamilies, family) {
		return // never a path from elsewhere
	}
	path := filepath.Join(s.MirrorDir, family, name)
	f, err := s.Get(ctx, family, name)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.mirrorFailed(family, name, err)
		}
	case err != nil:
		s.mirrorFailed(family, name, err)
	default:
		if st, err := os.Stat(path); err == nil && st.Size() == f.Size {
			return
		}
		s.mirror(family, name, f.Data)
	}
}

// syncMirror mirrors every stored file and removes the copies of files no longer stored.
func (s *AudioFileStore) syncMirror(ctx context.Context, log *slog.Logger) {
	for _, family := range AudioFamilies {
		files, err := s.List(ctx, family)
		if err != nil {
			log.Warn("sounds mirror: cannot list the stored files", "family", family, "err", err)
			continue
		}
		stored := map[string]bool{}
		for _, f := range files {
			stored[f.Name] = true
			s.mirrorOne(ctx, family, f.Name)
		}
		entries, _ := os.ReadDir(filepath.Join(s.MirrorDir, family))
		for _, e := range entries {
			if _, err := AudioNameType(e.Name()); err == nil && !e.IsDir() && !stored[e.Name()] {
				s.mirrorOne(ctx, family, e.Name())
			}
		}
	}
}
