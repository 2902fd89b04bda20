package models

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pbxws/metrics"
)

// PhonebookChannel is where every change of the phonebooks is announced (migration 0052):
// the payload is "shared" (the XiVO phonebook) or "private" (users' private books).
const PhonebookChannel = "pbxws_phonebook"

// pingEvery is how often the listener's connection is checked.
const pingEvery = 30 * time.Second

// maxCachedContacts bounds the shared book kept in memory (about 0.6 kB a contact); a larger
// book is read from the database on every request.
const maxCachedContacts = 50000

// PhonebookCache keeps the phonebooks the sipX façade reads in memory: the shared book with
// its word index, and each user's private book once read. It serves only while it LISTENs
// on PhonebookChannel: a notice (another instance's change, after its commit) or a write of
// this instance (Invalidate) forgets what it holds, and while the listener is down every
// read goes to the database. The entries it returns are shared: callers must not change
// them.
type PhonebookCache struct {
	phonebook *PhonebookStore
	private   *PrivateBookStore
	notices   *noticeListener
	// sharedEpoch and privateEpoch count the changes seen; a book read in an older epoch
	// is read again.
	sharedEpoch, privateEpoch atomic.Int64

	mu       sync.Mutex // guards shared and privates, and serialises the shared book's reads
	shared   *sharedBook
	privates map[int]privateBook
}

type sharedBook struct {
	epoch   int64
	entries []BookEntry
	// words is the word index: every word of a contact (lower case) with the contact's
	// position in entries, sorted by word.
	words []bookWord
}

type bookWord struct {
	word string
	at   int
}

type privateBook struct {
	epoch   int64
	entries []BookEntry
}

func newPhonebookCache(phonebook *PhonebookStore, private *PrivateBookStore) *PhonebookCache {
	return &PhonebookCache{phonebook: phonebook, private: private, privates: map[int]privateBook{}}
}

// Listen starts serving from memory: the cache LISTENs on PhonebookChannel of the database
// dsn names. Until then, and whenever the listener is down, it reads the database.
func (c *PhonebookCache) Listen(dsn string, log *slog.Logger) {
	c.notices = listenForNotices(dsn, PhonebookChannel, "the phonebooks are read from the database", log, c.Invalidate, func(payload string) {
		if payload == "private" {
			c.privateEpoch.Add(1)
		} else {
			c.sharedEpoch.Add(1)
		}
	})
}

// Close stops the listener; the cache then reads the database.
func (c *PhonebookCache) Close() { c.notices.close() }

// Invalidate forgets every book held (a write of this instance may have changed one).
func (c *PhonebookCache) Invalidate() {
	c.sharedEpoch.Add(1)
	c.privateEpoch.Add(1)
}

// serving says whether reads are answered from memory now, and counts the read.
func (c *PhonebookCache) serving() bool {
	if c.notices.serving() {
		metrics.PhonebookReads.WithLabelValues("memory").Inc()
		return true
	}
	metrics.PhonebookReads.WithLabelValues("database").Inc()
	return false
}

// sharedBook returns the shared book of the current epoch, reading it when needed; nil when
// it is too large to hold.
func (c *PhonebookCache) sharedBook(ctx context.Context) (*sharedBook, error) {
	epoch := c.sharedEpoch.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shared != nil && c.shared.epoch == epoch {
		return c.shared, nil
	}
	entries, ids, err := c.phonebook.bookEntries(ctx)
	if err != nil {
		return nil, err
	}
	if len(entries) > maxCachedContacts {
		c.shared = nil
		return nil, nil
	}
	at := make(map[int]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	var rows []struct {
		Word string `db:"word"`
		ID   int    `db:"phonebook_id"`
	}
	if err := c.phonebook.db.SelectContext(ctx, &rows, `SELECT word, phonebook_id FROM phonebook_words ORDER BY word COLLATE "C", phonebook_id`); err != nil {
		return nil, err
	}
	b := &sharedBook{epoch: epoch, entries: entries, words: make([]bookWord, 0, len(rows))}
	for _, r := range rows {
		if i, ok := at[r.ID]; ok {
			b.words = append(b.words, bookWord{r.Word, i})
		}
	}
	// find compares bytes: the order must be Go's, whatever the database sorted by.
	slices.SortStableFunc(b.words, func(x, y bookWord) int { return strings.Compare(x.word, y.word) })
	c.shared = b
	return b, nil
}

// find returns the contacts one of whose words starts with prefix, in book order.
func (b *sharedBook) find(prefix string) []BookEntry {
	i := sort.Search(len(b.words), func(i int) bool { return b.words[i].word >= prefix })
	var at []int
	for ; i < len(b.words) && strings.HasPrefix(b.words[i].word, prefix); i++ {
		at = append(at, b.words[i].at)
	}
	slices.Sort(at)
	at = slices.Compact(at)
	out := make([]BookEntry, len(at))
	for k, i := range at {
		out[k] = b.entries[i]
	}
	return out
}

// privateBook returns the user's private entries of the current epoch.
func (c *PhonebookCache) privateBook(ctx context.Context, userID int) ([]BookEntry, error) {
	epoch := c.privateEpoch.Load()
	c.mu.Lock()
	p, ok := c.privates[userID]
	c.mu.Unlock()
	if ok && p.epoch == epoch {
		return p.entries, nil
	}
	entries, err := c.private.privateRows(ctx, userID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.privates) >= maxCachedContacts {
		clear(c.privates)
	}
	c.privates[userID] = privateBook{epoch: epoch, entries: entries}
	c.mu.Unlock()
	return entries, nil
}

// Shared returns the shared book as users' phonebooks show it (PhonebookStore.BookEntries).
func (c *PhonebookCache) Shared(ctx context.Context) ([]BookEntry, error) {
	if !c.serving() {
		return c.phonebook.BookEntries(ctx)
	}
	b, err := c.sharedBook(ctx)
	if err != nil || b == nil {
		return c.phonebook.BookEntries(ctx)
	}
	return b.entries, nil
}

// UserBook returns the user's phonebook (PrivateBookStore.Entries over the shared book).
func (c *PhonebookCache) UserBook(ctx context.Context, userID int) ([]BookEntry, error) {
	var b *sharedBook
	var err error
	if c.serving() {
		if b, err = c.sharedBook(ctx); err != nil {
			return nil, err
		}
	}
	if b == nil {
		shared, err := c.phonebook.BookEntries(ctx)
		if err != nil {
			return nil, err
		}
		return c.private.Entries(ctx, userID, shared)
	}
	mine, err := c.privateBook(ctx, userID)
	if err != nil {
		return nil, err
	}
	return mergeBook(concatBooks(mine, b.entries)), nil
}

// Search is PrivateBookStore.Search from memory: the user's private entries and the shared
// contacts one of whose words starts with prefix, merged; the caller applies its exact test.
func (c *PhonebookCache) Search(ctx context.Context, userID int, prefix string) ([]BookEntry, error) {
	if !c.serving() {
		return c.private.Search(ctx, userID, prefix)
	}
	b, err := c.sharedBook(ctx)
	if err != nil || b == nil {
		return c.private.Search(ctx, userID, prefix)
	}
	mine, err := c.privateBook(ctx, userID)
	if err != nil {
		return nil, err
	}
	return mergeBook(concatBooks(mine, b.find(prefix))), nil
}

// concatBooks is a new slice of a's entries then b's (mergeBook reorders what it is given;
// the cached books stay as they are).
func concatBooks(a, b []BookEntry) []BookEntry {
	return append(append(make([]BookEntry, 0, len(a)+len(b)), a...), b...)
}
