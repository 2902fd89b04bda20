// Package wsclient is a Go client for XiVO json.php web services, wire-identical to the
// Python xivo-ws library: the same URLs, query strings, headers and JSON bodies, and the same
// reading of answers (204 or an empty body is an empty list, ids given as numbers or strings).
// It talks to pbxws and to a real XiVO.
//
// It imports only the standard library.
package wsclient
