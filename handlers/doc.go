// Package handlers holds one Resource per object family (users, lines, devices, entities,
// contexts, …) with its acts (list, search, view, add, edit, delete, deleteall), and the wire
// codecs that turn XiVO json.php bodies into canonical models and back.
//
// Both façades call the same Resources. handlers may import models; it never writes SQL and
// never sees Fiber: requests arrive as a Request and leave as a Result, and web renders them.
package handlers
