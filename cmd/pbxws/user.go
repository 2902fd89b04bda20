package main

import (
	"flag"
	"fmt"

	"pbxws/models"
)

// userVerbs are what `pbxws user` does.
var userVerbs = map[string]bool{"grant-admin": true, "revoke-admin": true, "private-key": true, "revoke-private-key": true}

// user manages what the sipX façade grants a user: `pbxws user grant-admin NAME` gives the
// ADMIN role (the sipX admin resources), `revoke-admin NAME` takes it back;
// `private-key NAME` issues a new private key (the user's /sipxconfig/rest/private/{key}/…
// URLs, printed once) and `revoke-private-key NAME` withdraws it. NAME is the user's login,
// a line number or an alias.
func (c *cli) user(args []string) int {
	if len(args) == 0 || !userVerbs[args[0]] {
		fmt.Fprintln(c.stderr, "usage: pbxws user grant-admin|revoke-admin|private-key|revoke-private-key NAME [flags]")
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("pbxws user "+verb, flag.ContinueOnError)
	cfg, rest, code, ok := c.settings(fs, false, "NAME [flags]", args[1:])
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintf(c.stderr, "pbxws user %s: give the user's login, number or alias\n", verb)
		return 2
	}
	d, db, err := c.open(cfg, false)
	if err != nil {
		return c.fail("user", err)
	}
	defer d.close()
	defer db.Close()
	u, err := models.NewDirectory(db).LookupUser(c.ctx, rest[0])
	if err != nil {
		if err == models.ErrNotFound {
			fmt.Fprintf(c.stderr, "pbxws user %s: no user has the login, number or alias %q\n", verb, rest[0])
			return 1
		}
		return c.fail("user", err)
	}
	users := models.NewStores(db, cfg.Realm).Users
	switch verb {
	case "private-key":
		key, err := users.NewPrivateKey(c.ctx, u.ID)
		if err != nil {
			return c.fail("user", err)
		}
		fmt.Fprintf(c.stdout, "user %s (id %d) has a new private key (the old one no longer works): %s\n", u.UserName, u.ID, key)
		fmt.Fprintf(c.stdout, "its \"my\" resources answer at /sipxconfig/rest/private/%s/… without credentials\n", key)
		return 0
	case "revoke-private-key":
		if err := users.RevokePrivateKey(c.ctx, u.ID); err != nil {
			return c.fail("user", err)
		}
		fmt.Fprintf(c.stdout, "user %s (id %d) has no private key any more\n", u.UserName, u.ID)
		return 0
	}
	admin := verb == "grant-admin"
	if err := users.SetAdmin(c.ctx, u.ID, admin); err != nil {
		return c.fail("user", err)
	}
	state := "now an administrator"
	if !admin {
		state = "no longer an administrator"
	}
	fmt.Fprintf(c.stdout, "user %s (id %d) is %s\n", u.UserName, u.ID, state)
	return 0
}
