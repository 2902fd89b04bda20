package handlers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX /rest/user resource (sipx-rest.md §5.4) over the same users store as json.php's
// pbx_settings/users: a user added through one façade is read and edited through the other.

// sipxUserCodec is the sipX form of users.
type sipxUserCodec struct{ wireNames }

var sipxUserNames = names(map[string]string{"user": "", "aliases": "aliases", "groups": "groups"}, map[string]string{
	"user.login_client": "userName",
	"user.first_name":   "firstName",
	"user.last_name":    "lastName",
	"user.password":     "pin",
	"user.sip_password": "sipPassword",
	"user.email":        "emailAddress",
	"user.entity_id":    "branch",
})

// sipxUserName is the name a user logs in with: loginclient, else the first SIP line's
// number or name (models.Directory resolves logins the same way).
func sipxUserName(c *models.UserComposite) string {
	if c.User.LoginClient != nil && *c.User.LoginClient != "" {
		return *c.User.LoginClient
	}
	for _, l := range c.Lines {
		if l.Protocol == "sip" {
			if l.Number != "" {
				return l.Number
			}
			return l.Name
		}
	}
	return ""
}

// sipxAliases are the line numbers and the stored aliases, sorted, without the user name.
func sipxAliases(c *models.UserComposite) []string {
	name := sipxUserName(c)
	var out []string
	for _, l := range c.Lines {
		if l.Number != "" && l.Number != name {
			out = append(out, l.Number)
		}
	}
	for _, a := range c.Aliases {
		if a != name {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sipxUserObject(c *models.UserComposite) SipxObject {
	u := &c.User
	o := SipxObject{}
	o.add("id", u.ID)
	o.add("lastName", u.LastName)
	o.add("firstName", u.FirstName)
	o.add("userName", sipxUserName(c))
	o.add("pin", "") // write-only
	o.add("sipPassword", "")
	email := u.Email
	if email == "" && c.Voicemail != nil {
		email = c.Voicemail.Email
	}
	if email != "" {
		o.add("emailAddress", email)
	}
	if len(c.Groups) > 0 {
		items := make([]any, len(c.Groups))
		for i, g := range c.Groups {
			items[i] = SipxObject{{Name: "id", Value: g.ID}, {Name: "name", Value: g.Name}, {Name: "description", Value: g.Description}}
		}
		o.add("groups", SipxList{Item: "group", Items: items})
	}
	if e := c.Entity; e != nil {
		b := SipxObject{}
		b.add("id", e.ID)
		b.add("name", e.Name)
		b.add("description", e.Description)
		o.add("branch", b)
	}
	if as := sipxAliases(c); len(as) > 0 {
		items := make([]any, len(as))
		for i, a := range as {
			items[i] = SipxObject{{Name: "alias", Value: a}}
		}
		o.add("aliases", SipxList{Item: "alias", Items: items})
	}
	return o
}

// View is {"user": {…}}.
func (sipxUserCodec) View(c *models.UserComposite) any {
	return SipxDoc{Root: "user", Value: sipxUserObject(c)}
}

// Rows is never used: RowsFor pages and sorts.
func (k sipxUserCodec) Rows(cs []models.UserComposite) any {
	v, _ := k.RowsFor(cs, Query{})
	return v
}

var sipxUserSorts = map[string]func(*models.UserComposite) string{
	"username":  sipxUserName,
	"lastname":  func(c *models.UserComposite) string { return c.User.LastName },
	"firstname": func(c *models.UserComposite) string { return c.User.FirstName },
}

// RowsFor is the list: {"user": {"metadata": …, "users": [...]}} (the root is "user", sic).
func (sipxUserCodec) RowsFor(cs []models.UserComposite, q Query) (any, error) {
	return sipxListDoc(cs, q, sipxUserSorts, "user", "users", "user", sipxUserObject), nil
}

// sipxPage sorts (sortby + sortdir, both needed; unknown keys ignored; case-insensitive) and
// pages (page and pagesize integers ≥ 1, else everything; a page past the end is the last)
// a list, and returns the page with its metadata (§1.4).
func sipxPage[T any](items []T, q Query, sorts map[string]func(*T) string) ([]T, SipxObject) {
	if key, dir := q.Param("sortby"), q.Param("sortdir"); key != "" && dir != "" {
		if by, ok := sorts[strings.ToLower(key)]; ok {
			desc := strings.EqualFold(dir, "reverse")
			slices.SortStableFunc(items, func(a, b T) int {
				c := strings.Compare(strings.ToLower(by(&a)), strings.ToLower(by(&b)))
				if desc {
					return -c
				}
				return c
			})
		}
	}
	total := len(items)
	current, pages, per := 1, 1, total
	page, perr := strconv.Atoi(q.Param("page"))
	size, serr := strconv.Atoi(q.Param("pagesize"))
	if perr == nil && serr == nil && page >= 1 && size >= 1 {
		per = size
		pages = int(math.Ceil(float64(total) / float64(size)))
		if pages == 0 {
			pages = 1
		}
		current = min(page, pages)
		from := min((current-1)*size, total)
		items = items[from:min(from+size, total)]
	}
	meta := SipxObject{{Name: "totalResults", Value: total}, {Name: "currentPage", Value: current}, {Name: "totalPages", Value: pages}, {Name: "resultsPerPage", Value: per}}
	return items, meta
}

func (sipxUserCodec) Key(c *models.UserComposite) string { return strconv.Itoa(c.User.ID) }

// Decode reads {"user": {…}} (XML <user>…</user>). Absent fields keep what is stored: an
// update names what it changes. userName is required.
func (sipxUserCodec) Decode(body map[string]any, stored *models.UserComposite) (*models.UserComposite, error) {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, "user", errs)
	if !ok {
		return nil, errs
	}
	row := f.m
	c := &models.UserComposite{User: stored.User}
	u := &c.User
	var name string
	if !f.strTrim("userName", &name) || name == "" {
		f.fail("userName", "is required")
	} else {
		u.LoginClient = &name
	}
	f.strTrim("firstName", &u.FirstName)
	f.strTrim("lastName", &u.LastName)
	if u.FirstName == "" && u.LastName == "" {
		u.FirstName = name // a name to show: sipX requires none
	}
	var pin, sipPassword, email string
	if f.str("pin", &pin) && pin != "" {
		c.Password = pin
	}
	if f.str("sipPassword", &sipPassword) && sipPassword != "" {
		c.SIPPassword = &sipPassword
	}
	if f.strTrim("emailAddress", &email) {
		c.Email = &email
	}
	var admin bool
	if f.boolean("admin", &admin) {
		c.Admin = &admin
	}
	if b, ok := f.object("branch"); ok {
		bf := f.sub("branch", b)
		if !bf.integer("id", &u.EntityID) && errs.OrNil() == nil {
			bf.fail("id", "is required: the id of a branch")
		}
	}
	if v, present := row["groups"]; present {
		items, ok := sipxItems(v, "group")
		if !ok {
			f.fail("groups", "must be a list of groups")
		}
		c.GroupIDs = []int{}
		for i, it := range items {
			m, _ := it.(map[string]any)
			id, ok := intOf(m["id"])
			if !ok {
				f.fail(fmt.Sprintf("groups[%d].id", i), "is required: the id of a user group")
				continue
			}
			c.GroupIDs = append(c.GroupIDs, id)
		}
	}
	if v, present := row["aliases"]; present {
		items, ok := sipxItems(v, "alias")
		if !ok {
			f.fail("aliases", "must be a list of aliases")
		}
		lineNumbers := map[string]bool{}
		for _, l := range stored.Lines {
			lineNumbers[l.Number] = true
		}
		c.Aliases = []string{}
		for i, it := range items {
			if m, isObj := it.(map[string]any); isObj {
				it = m["alias"]
			}
			a, ok := scalarText(it)
			if a = strings.TrimSpace(a); !ok || a == "" {
				f.fail(fmt.Sprintf("aliases[%d]", i), "must be an alias (a login name or number)")
				continue
			}
			if !lineNumbers[a] && a != name { // line numbers are aliases already
				c.Aliases = append(c.Aliases, a)
			}
		}
	}
	return c, errs.OrNil()
}

// SipxUsers is the sipX /rest/user resource. Its list filters are branch=<id> (the users of
// a branch) and ids=1,2,3.
func SipxUsers(st *models.Stores) *Resource {
	s := st.Users
	return (&Endpoint[models.UserComposite, models.UserComposite, int]{
		Codec: sipxUserCodec{sipxUserNames},
		New:   func() *models.UserComposite { return &models.UserComposite{User: *models.NewUser()} },
		List: func(ctx context.Context, q Query) ([]models.UserComposite, error) {
			keep, err := sipxUserFilter(q)
			if err != nil {
				return nil, err
			}
			cs, err := s.ListComposites(ctx)
			return slices.DeleteFunc(cs, func(c models.UserComposite) bool { return !keep(&c) }), err
		},
		Get:    s.ViewAll,
		Create: s.Create,
		Edit:   s.Edit,
		Delete: s.Delete,
	}).Resource()
}

// ErrIDInvalid is a list filter or path id that is not a valid id (sipX ERROR_ID_INVALID).
type ErrIDInvalid struct{ Param string }

func (e *ErrIDInvalid) Error() string { return e.Param + ": must be a numeric id" }

func sipxUserFilter(q Query) (func(*models.UserComposite) bool, error) {
	if b := q.Param("branch"); b != "" {
		id, ok := ParseID(b)
		if !ok {
			return nil, &ErrIDInvalid{Param: "branch"}
		}
		return func(c *models.UserComposite) bool { return c.User.EntityID == id }, nil
	}
	if list := q.Param("ids"); list != "" {
		ids := map[int]bool{}
		for _, p := range strings.Split(list, ",") {
			id, ok := ParseID(strings.TrimSpace(p))
			if !ok {
				return nil, &ErrIDInvalid{Param: "ids"}
			}
			ids[id] = true
		}
		return func(c *models.UserComposite) bool { return ids[c.User.ID] }, nil
	}
	return func(*models.UserComposite) bool { return true }, nil
}
