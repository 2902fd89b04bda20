// Package models holds pbxws's canonical types, their validation and the stores that read and
// write them in PostgreSQL.
//
// It may import sqlx, lib/pq and validator; it never sees HTTP, wire shapes or request
// bodies. Every write runs in one transaction (WithTx). Errors are values: ErrNotFound,
// *ValidationError (field → rule), *ConflictError and *InUseError, which each façade maps to
// its own status codes.
package models
