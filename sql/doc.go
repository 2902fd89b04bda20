// Package sql holds pbxws's schema as embedded, ordered migrations, the runner that applies
// them, the connection opener, and the private PostgreSQL cluster that `make run` and the
// tests start when no database is configured.
//
// It may import sqlx and lib/pq; nothing of HTTP, SIP or the object model.
package sql
