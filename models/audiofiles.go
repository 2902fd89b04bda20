package models

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Stored audio files, the sipX "prompts" (sipx-api.md §4): a family (moh, pagegroups,
// orbits), a validated name unique in it, the sniffed media type and the bytes. The database
// holds them so every instance serves the same files; a mirror folder, when configured, gets a
// copy for a media server (written, never read back): the instance that stores a file writes
// it at once, the others when they hear of it (ListenMirror).

// AudioFamilies are the prompt families, as their URLs name them.
var AudioFamilies = []string{"moh", "pagegroups", "orbits"}

// Media types of the stored files.
const (
	AudioWAV = "audio/x-wav"
	AudioMP3 = "audio/mpeg"
)

// AudioFile is one stored file; Data is filled only by Get.
type AudioFile struct {
	Family      string    `db:"family"`
	Name        string    `db:"name"`
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	SHA256      string    `db:"sha256"`
	CreatedAt   time.Time `db:"created_at"`
	Data        []byte    `db:"data"`
}

// audioName is §4.2's name: a letter or digit first, then letters, digits, space, dot,
// underscore, parentheses or hyphen, ending in .wav or .mp3 (any case).
var audioName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._()-]*\.(?i:wav|mp3)$`)

// AudioNameType checks a file name (sipx-api.md §4.2, §16.3.1: the name is data, never a
// path) and says the media type its extension stands for.
func AudioNameType(name string) (string, error) {
	switch {
	case len(name) == 0 || len([]rune(name)) > 100:
		return "", Invalid("name", "must be 1 to 100 characters")
	case strings.ContainsAny(name, "/\\\x00") || strings.Contains(name, ".."):
		return "", Invalid("name", `must not contain "/", "\", NUL or ".."`)
	case !audioName.MatchString(name):
		return "", Invalid("name", "must start with a letter or digit, hold only letters, digits, spaces and ._()- and end in .wav or .mp3")
	}
	if strings.EqualFold(name[len(name)-4:], ".wav") {
		return AudioWAV, nil
	}
	return AudioMP3, nil
}

// SniffAudio says what the first bytes of a file are: AudioWAV for RIFF…WAVE, AudioMP3 for
// an ID3 tag or an MPEG audio frame sync, "" for anything else.
func SniffAudio(head []byte) string {
	switch {
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WAVE")):
		return AudioWAV
	case len(head) >= 3 && bytes.Equal(head[:3], []byte("ID3")):
		return AudioMP3
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 != 0:
		// Eleven set bits of frame sync, then a layer that is not the reserved 00.
		return AudioMP3
	}
	return ""
}

// AudioFileStore reads and writes the stored audio files.
type AudioFileStore struct {
	db *sqlx.DB
	// MirrorDir, when set, gets a copy of every file at MirrorDir/<family>/<name>.
	MirrorDir string
	// MirrorFailed is told when the mirror could not be written or cleaned (the database
	// copy stands).
	MirrorFailed func(family, name string, err error)
}

// ErrAudioFamilyFull refuses a file that would take its family over its size limit.
var ErrAudioFamilyFull = errors.New("the family's files would exceed its size limit")

// audioUses are the objects that may name a file of a family, as a query giving the
// referring object's name ("orbit park1"): a file in use is not deleted. Each object family
// that names files adds its line.
var audioUses = []struct{ family, query string }{
	{"orbits", `SELECT 'orbit ' || name FROM parking_lots WHERE music = $1 ORDER BY name LIMIT 1`},
}

// List returns a family's files (without their bytes), by name (byte order, the same on
// every database).
func (s *AudioFileStore) List(ctx context.Context, family string) ([]AudioFile, error) {
	var out []AudioFile
	err := s.db.SelectContext(ctx, &out, `SELECT family, name, content_type, size, sha256, created_at
		FROM audio_files WHERE family = $1 ORDER BY name COLLATE "C"`, family)
	return out, err
}

// Get returns one file with its bytes, or ErrNotFound.
func (s *AudioFileStore) Get(ctx context.Context, family, name string) (*AudioFile, error) {
	var f AudioFile
	err := s.db.GetContext(ctx, &f, `SELECT family, name, content_type, size, sha256, created_at, data
		FROM audio_files WHERE family = $1 AND name = $2`, family, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &f, err
}

// Exists says whether a family has a file of that name.
func (s *AudioFileStore) Exists(ctx context.Context, family, name string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM audio_files WHERE family = $1 AND name = $2`, family, name)
	return n > 0, err
}

// Add stores a new file (Family, Name, ContentType, Data; Size and SHA256 are computed by
// the caller as it read the bytes). A name already stored is not overwritten
// (ConflictError); a family that would exceed familyLimit bytes is refused
// (ErrAudioFamilyFull). The family is locked meanwhile, so that two uploads cannot both fit
// in the room left for one.
func (s *AudioFileStore) Add(ctx context.Context, f *AudioFile, familyLimit int64) error {
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('audio_files:' || $1))`, f.Family); err != nil {
			return err
		}
		var used int64
		if err := tx.GetContext(ctx, &used, `SELECT COALESCE(sum(size), 0) FROM audio_files WHERE family = $1`, f.Family); err != nil {
			return err
		}
		if used+f.Size > familyLimit {
			return ErrAudioFamilyFull
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO audio_files (family, name, content_type, size, sha256, data)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (family, name) DO NOTHING`,
			f.Family, f.Name, f.ContentType, f.Size, f.SHA256, f.Data)
		if err != nil {
			return mapPQ(err, map[string]string{"audio_files_family_name_key": "name"})
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ConflictError{Field: "name", Msg: f.Name + ": already exists"}
		}
		return notifyAudioChange(ctx, tx, f.Family, f.Name)
	})
	if err == nil {
		s.mirror(f.Family, f.Name, f.Data)
	}
	return err
}

// Delete removes a file, unless an object still uses it (InUseError naming it).
func (s *AudioFileStore) Delete(ctx context.Context, family, name string) error {
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var one int
		err := tx.GetContext(ctx, &one, `SELECT 1 FROM audio_files WHERE family = $1 AND name = $2 FOR UPDATE`, family, name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		for _, u := range audioUses {
			if u.family != family {
				continue
			}
			var user string
			err := tx.GetContext(ctx, &user, u.query, name)
			if err == nil {
				return &InUseError{Msg: name + " is used by " + user}
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM audio_files WHERE family = $1 AND name = $2`, family, name); err != nil {
			return mapPQ(err, nil)
		}
		return notifyAudioChange(ctx, tx, family, name)
	})
	if err == nil && s.MirrorDir != "" {
		if err := os.Remove(filepath.Join(s.MirrorDir, family, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.mirrorFailed(family, name, err)
		}
	}
	return err
}

// mirror writes a stored file into the mirror folder: a temporary file in the family's
// folder, synced, then renamed over the name, so a reader never sees half a file. Only
// validated names of a known family get here.
func (s *AudioFileStore) mirror(family, name string, data []byte) {
	if s.MirrorDir == "" {
		return
	}
	dir := filepath.Join(s.MirrorDir, family)
	err := func() error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var rnd [8]byte
		_, _ = rand.Read(rnd[:])
		tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(rnd[:]))
		fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = fh.Write(data)
		if err == nil {
			err = fh.Sync()
		}
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, filepath.Join(dir, name))
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
		return err
	}()
	if err != nil {
		s.mirrorFailed(family, name, err)
	}
}

func (s *AudioFileStore) mirrorFailed(family, name string, err error) {
	if s.MirrorFailed != nil {
		s.MirrorFailed(family, name, fmt.Errorf("sounds mirror: %w", err))
	}
}
