package handlers

import (
	"context"
	"sync/atomic"

	"pbxws/models"
)

// renderedCache keeps the last rendered answer of a read that is expensive to render (the
// users list: megabytes for 10,000 users) together with the snapshot it was read in. An
// answer is served again only after the change log says nothing of its scope has
// committed since; a request therefore always sees every change committed before it
// arrived, whichever instance wrote it. One round trip replaces reading, converting and
// encoding every row.
type renderedCache struct {
	scope string
	last  atomic.Pointer[renderedAnswer]
}

type renderedAnswer struct {
	snap models.Snapshot
	body []byte
}

// get returns the kept answer when it is still current.
func (c *renderedCache) get(ctx context.Context, changes *models.ChangeLog) ([]byte, bool, error) {
	a := c.last.Load()
	if a == nil {
		return nil, false, nil
	}
	ok, err := changes.Current(ctx, c.scope, a.snap)
	if err != nil || !ok {
		return nil, false, err
	}
	return a.body, true, nil
}

// put keeps body, read in snap. Of two reads finishing together the last one stays: either
// is tested before it is served again.
func (c *renderedCache) put(snap models.Snapshot, body []byte) {
	c.last.Store(&renderedAnswer{snap: snap, body: body})
}

// ListCache keeps an endpoint's rendered list (see renderedCache).
type ListCache[Row any] struct {
	Changes *models.ChangeLog
	// ListAt reads every row and the snapshot they were read in.
	ListAt func(ctx context.Context, changes *models.ChangeLog) ([]Row, models.Snapshot, error)
	kept   renderedCache
}

// NewListCache is a cache of the lists of scope.
func NewListCache[Row any](changes *models.ChangeLog, scope string,
	listAt func(ctx context.Context, changes *models.ChangeLog) ([]Row, models.Snapshot, error)) *ListCache[Row] {
	return &ListCache[Row]{Changes: changes, ListAt: listAt, kept: renderedCache{scope: scope}}
}

func (c *ListCache[Row]) list(ctx context.Context, codec interface{ Rows([]Row) any }) (Result, error) {
	if body, ok, err := c.kept.get(ctx, c.Changes); ok || err != nil {
		return Result{Rendered: body}, err
	}
	rows, snap, err := c.ListAt(ctx, c.Changes)
	if len(rows) == 0 || err != nil {
		return NoContent(), err
	}
	body, err := renderOwned(codec.Rows(rows), len(rows))
	if err != nil {
		return Result{}, err
	}
	c.kept.put(snap, body)
	return Result{Rendered: body}, nil
}

// renderOwned renders v into a buffer of its own (kept, so never pooled).
func renderOwned(v any, n int) ([]byte, error) {
	if a, ok := v.(PHPJSONAppender); ok {
		return a.AppendPHPJSON(make([]byte, 0, n*640)), nil
	}
	return EncodeJSON(v)
}
