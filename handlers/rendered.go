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
