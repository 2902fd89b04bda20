package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
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
	l := listenForNotices(dsn, AudioFilesChannel, "the sounds mirror follows this instance's writes only", log,
		func() { s.syncMirror(context.Background(), log) },
		func(payload string) {
			family, name, _ := strings.Cut(payload, "/")
			s.mirrorOne(context.Background(), family, name)
		})
	return l.close
}

// mirrorOne brings one file's mirror copy in line with the database: written when stored
// and missing or different (size, then SHA-256), removed when gone. Only a copy to write
// reads the file's bytes from the database.
func (s *AudioFileStore) mirrorOne(ctx context.Context, family, name string) {
	if _, err := AudioNameType(name); err != nil || !slices.Contains(AudioFamilies, family) {
		return // never a path from elsewhere
	}
	path := filepath.Join(s.MirrorDir, family, name)
	var meta struct {
		Size   int64  `db:"size"`
		SHA256 string `db:"sha256"`
	}
	err := s.db.GetContext(ctx, &meta, `SELECT size, sha256 FROM audio_files WHERE family = $1 AND name = $2`, family, name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.mirrorFailed(family, name, err)
		}
		return
	case err != nil:
		s.mirrorFailed(family, name, err)
		return
	}
	if st, err := os.Stat(path); err == nil && st.Size() == meta.Size && fileSHA256(path) == meta.SHA256 {
		return
	}
	f, err := s.Get(ctx, family, name)
	switch {
	case errors.Is(err, ErrNotFound): // deleted meanwhile: its notice follows
	case err != nil:
		s.mirrorFailed(family, name, err)
	default:
		s.mirror(family, name, f.Data)
	}
}

// fileSHA256 is the hex SHA-256 of a file's content ("" when it cannot be read).
func fileSHA256(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
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
