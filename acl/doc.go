// Package acl decides who is calling: json.php web-service accounts (Basic credentials and/or
// source hosts, granted sections), private mode (loopback peers), and the account CLI.
//
// acl may import models (accounts are stored there); it writes no SQL and never sees request
// bodies: it works from the peer address and the Authorization header.
package acl
