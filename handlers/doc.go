// Package handlers is the resource kit and the façades' codecs.
//
// The kit (kit.go): an object family is one Endpoint, generic over its list row, its
// object and its id kind (int or string). The acts list, search, view, add, edit, delete
// and deleteall are written once, there; an endpoint declares only its store operations (a
// nil one means the act does not exist), its filters (read from Query), its extra acts and
// its Codec. Edits go through the store's Edit, which locks what it merges
// (models.EditLocked); deleteall is the store's DeleteAll, one transaction.
//
// A Codec is one façade's wire form of a family: it decodes a body onto a canonical object
// (the defaults on add, the locked stored object on edit) and renders rows and views. It
// never calls a store: a reference it meets (a CTI profile by name, a line by id) is left in
// the canonical object for the store to resolve inside the write's transaction. Models name
// fields canonically (user.first_name, lines[0].number); the codec's Field (names.go)
// renames them in its façade's terms (userfeatures.firstname, linefeatures[0].number).
//
// Adding an endpoint: a migration, a model file (type, validation, store with List/Search/
// Get/Create/Edit/Delete/DeleteAll), one codec per façade here, one line in web/routes.go,
// and its tests. Nothing is copied from another endpoint: what two need, the kit grows once.
//
// handlers may import models; it never writes SQL and never sees Fiber: requests arrive as
// a Request and leave as a Result, and web renders them.
package handlers
