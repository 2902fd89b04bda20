package main

import (
	"flag"
	"fmt"

	"pbxws/models"
)

// user manages what the sipX façade grants a user: `pbxws user grant-admin NAME` gives the
// ADMIN role (the sipX admin resources), `revoke-admin NAME` takes it back. NAME is the
// user's login, a line number or an alias.
func (c *cli) user(args []string) int {
	if len(args) == 0 || (args[0] != "grant-admin" && args[0] != "revoke-admin") {
		fmt.Fprintln(c.stderr, "usage: pbxws user grant-admin|revoke-admin NAME [flags]")
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
	admin := verb == "grant-admin"
	if err := models.NewStores(db, cfg.Realm).Users.SetAdmin(c.ctx, u.ID, admin); err != nil {
		return c.fail("user", err)
	}
	state := "now an administrator"
	if !admin {
		state = "no longer an administrator"
	}
	fmt.Fprintf(c.stdout, "user %s (id %d) is %s\n", u.UserName, u.ID, state)
	return 0
}
