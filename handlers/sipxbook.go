package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX "my" phonebook resources (sipx-rest.md §6.5–§6.9): the user's private phonebook
// merged with the shared (XiVO) phonebook.

// addressBook is a contact's address-book object; empty fields are omitted.
func addressBook(p *models.UserProfile) SipxObject {
	o := SipxObject{}
	for _, n := range []string{"jobTitle", "jobDept", "companyName", "assistantName", "location"} {
		o.add(n, contactText(p, n))
	}
	o.add("homeAddress", sipxAddress(p.HomeAddress))
	o.add("officeAddress", sipxAddress(p.OfficeAddress))
	for _, n := range []string{"cellPhoneNumber", "homePhoneNumber", "assistantPhoneNumber", "faxNumber", "didNumber",
		"imDisplayName", "alternateImId", "emailAddress", "alternateEmailAddress", "avatar"} {
		o.add(n, contactText(p, n))
	}
	return o
}

func bookEntryObject(e *models.BookEntry, withID bool) SipxObject {
	o := SipxObject{}
	if withID {
		id := "-1"
		if e.ID > 0 {
			id = strconv.Itoa(e.ID)
		}
		o.add("id", id)
	}
	o.add("first-name", e.FirstName)
	o.add("last-name", e.LastName)
	o.add("number", e.Number)
	o.add("contact-information", addressBook(&e.Contact))
	return o
}

// bookEntries renders a phonebook as XML, JSON, CSV (text/plain) or vCard.
type bookEntries []models.BookEntry

func (es bookEntries) Render(media string) ([]byte, string) {
	switch media {
	case "text/plain":
		return entriesCSV(es), "text/plain; charset=utf-8"
	case "text/vcard":
		esc := strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`)
		var b bytes.Buffer
		for _, e := range es {
			b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\n")
			b.WriteString("N:" + esc.Replace(e.LastName) + ";" + esc.Replace(e.FirstName) + ";;;\r\n")
			b.WriteString("FN:" + esc.Replace(strings.TrimSpace(e.FirstName+" "+e.LastName)) + "\r\n")
			b.WriteString("TEL;TYPE=WORK:" + esc.Replace(e.Number) + "\r\n")
			if c := e.Contact; c.CellPhoneNumber != "" {
				b.WriteString("TEL;TYPE=CELL:" + esc.Replace(c.CellPhoneNumber) + "\r\n")
			}
			if m := e.Contact.EmailAddress; m != "" {
				b.WriteString("EMAIL;TYPE=WORK:" + esc.Replace(m) + "\r\n")
			}
			if org := e.Contact.CompanyName; org != "" {
				b.WriteString("ORG:" + esc.Replace(org) + "\r\n")
			}
			b.WriteString("END:VCARD\r\n")
		}
		return b.Bytes(), "text/vcard; charset=utf-8"
	}
	items := make([]any, len(es))
	for i := range es {
		items[i] = bookEntryObject(&es[i], false)
	}
	doc := SipxDoc{Root: "phonebook", Value: SipxList{Item: "entry", Items: items}}
	if media == "application/json" {
		return doc.JSON(), "application/json; charset=utf-8"
	}
	return doc.XML(), "text/xml; charset=utf-8"
}

func userBook(ctx context.Context, st *models.Stores, user int) ([]models.BookEntry, error) {
	return st.Books.UserBook(ctx, user)
}

// MyPhonebook is GET /my/phonebook.
func MyPhonebook(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			es, err := userBook(ctx, st, r.User)
			return Object(bookEntries(es)), err
		},
	}}
}

// MySearchPhonebook is GET /my/search/phonebook?query=: entries with a word of a name or
// the number starting with the query (case-insensitive); none for an empty query.
func MySearchPhonebook(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			term := strings.ToLower(strings.TrimSpace(r.Param("query")))
			out := bookEntries{}
			if term == "" {
				return Object(out), nil
			}
			// The private book and the shared contacts with a word starting with the term
			// (held in memory, else one query); the test below is the exact one.
			es, err := st.Books.Search(ctx, r.User, term)
			for _, e := range es {
				for _, w := range strings.Fields(strings.ToLower(e.FirstName + " " + e.LastName + " " + e.Number)) {
					if strings.HasPrefix(w, term) {
						out = append(out, e)
						break
					}
				}
			}
			return Object(out), err
		},
	}}
}

// MyPagedPhonebook is GET /my/pagedphonebook?start=&end=&filter=.
func MyPagedPhonebook(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			es, err := userBook(ctx, st, r.User)
			if err != nil {
				return Result{}, err
			}
			filter := strings.ToLower(r.Param("filter"))
			var kept []models.BookEntry
			for _, e := range es {
				if filter == "" || filter == "null" || strings.Contains(strings.ToLower(e.FirstName+"\x00"+e.LastName+"\x00"+e.Number), filter) {
					kept = append(kept, e)
				}
			}
			start, end := 0, 100
			if n, err := strconv.Atoi(r.Param("start")); err == nil && n >= 0 {
				start = n
			}
			if n, err := strconv.Atoi(r.Param("end")); err == nil && n >= 0 {
				end = n
			}
			end = min(end, len(kept))
			start = min(start, end)
			items := make([]any, 0, end-start)
			for i := start; i < end; i++ {
				items = append(items, bookEntryObject(&kept[i], true))
			}
			show, err := st.PrivateBooks.ShowOnPhone(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			return Object(SipxDoc{Root: "phonebook", Value: SipxObject{{Name: "size", Value: len(es)}, {Name: "filtered-size", Value: len(kept)},
				{Name: "start-row", Value: start}, {Name: "end-row", Value: end}, {Name: "show-on-phone", Value: show}, {Name: "entries", Value: SipxList{Item: "entry", Items: items}}}}), nil
		},
	}}
}

// decodeBookEntry applies an {"entry": {…}} body.
func decodeBookEntry(body map[string]any, e *models.BookEntry) error {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, "entry", errs)
	if !ok {
		return errs
	}
	f.str("first-name", &e.FirstName)
	f.str("last-name", &e.LastName)
	f.str("number", &e.Number)
	if m, ok := f.object("contact-information"); ok {
		cf := f.sub("contact-information", m)
		p := &e.Contact
		for _, c := range contactFields {
			if !c.ro {
				cf.str(c.wire, c.get(p))
			}
		}
		decodeAddress(cf, "homeAddress", &p.HomeAddress)
		decodeAddress(cf, "officeAddress", &p.OfficeAddress)
	}
	return errs.OrNil()
}

// MyPhonebookEntry is /my/phonebook/entry/{entryId}: GET, PUT and DELETE one entry of the
// user's private book (404 otherwise); POST adds one (201; the id in the path is ignored).
func MyPhonebookEntry(st *models.Stores) *Resource {
	entryID := func(r *Request) (int, error) {
		id, ok := ParseID(r.ID)
		if !ok {
			return 0, models.ErrNotFound
		}
		return id, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			id, err := entryID(r)
			if err != nil {
				return Result{}, err
			}
			e, err := st.PrivateBooks.Get(ctx, r.User, id)
			if err != nil {
				return Result{}, err
			}
			o := bookEntryObject(e, false)
			return Object(SipxDoc{Root: "entry", Value: o}), nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			e := &models.BookEntry{}
			if err := decodeBookEntry(body, e); err != nil {
				return Result{}, err
			}
			if err := st.PrivateBooks.Create(ctx, r.User, e); err != nil {
				return Result{}, err
			}
			return Result{Status: http.StatusCreated, ID: strconv.Itoa(e.ID)}, nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := entryID(r)
			if err != nil {
				return Result{}, err
			}
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			return Done(), st.PrivateBooks.Edit(ctx, r.User, id, func(e *models.BookEntry) (*models.BookEntry, error) {
				return e, decodeBookEntry(body, e)
			})
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			id, err := entryID(r)
			if err != nil {
				return Result{}, err
			}
			return Done(), st.PrivateBooks.Delete(ctx, r.User, id)
		},
	}}
}

// MyShowContactsOnPhone is PUT /my/phonebook/showContactsOnPhone/{true|false}.
func MyShowContactsOnPhone(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			show, err := strconv.ParseBool(r.ID)
			if err != nil {
				return Result{}, models.Invalid("value", "must be true or false")
			}
			return Done(), st.PrivateBooks.SetShowOnPhone(ctx, r.User, show)
		},
	}}
}

// MyPhonebookEntrySync is /my/phonebookentry/{internalId} (§6.9), the vCard sync of desktop
// address books: PUT <pb><internalId/><uid/><vcard/><userName/></pb> writes the card into the
// user's private book, by uid (the entry's number) when given, else by internal id (created
// when new: 201); DELETE removes the entry by internal id, else by number (404 when the
// book has neither). userName names another user's book, for an ADMIN only.
func MyPhonebookEntrySync(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f, ok := sipxRoot(body, "pb", errs)
			if !ok {
				return Result{}, errs
			}
			internal, uidText, card, userName := r.ID, "", "", ""
			f.strTrim("internalId", &internal)
			f.strTrim("uid", &uidText)
			f.str("vcard", &card)
			f.strTrim("userName", &userName)
			uid := 0
			if uidText != "" {
				if uid, ok = ParseID(uidText); !ok {
					f.fail("uid", "must be the number of an entry of the phonebook")
				}
			}
			if internal == "" && uid == 0 {
				f.fail("internalId", "is required when uid is empty")
			}
			if len(internal) > 255 {
				f.fail("internalId", "must be at most 255 characters")
			}
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			cards, err := parseVCards([]byte(card))
			if err != nil {
				return Result{}, err
			}
			if len(cards) != 1 {
				return Result{}, models.Invalid("vcard", "must hold exactly one card")
			}
			user := r.User
			if userName != "" && r.Admin {
				if user, err = st.Users.ByLogin(ctx, userName); err != nil {
					if err == models.ErrNotFound {
						return Result{}, models.Invalid("userName", "no user has this login")
					}
					return Result{}, err
				}
			}
			e := &models.BookEntry{}
			bookEntryOfVCard(cards[0], e)
			created, err := st.PrivateBooks.Sync(ctx, user, internal, uid, e)
			if err != nil {
				return Result{}, err
			}
			if created {
				return Result{Status: http.StatusCreated, ID: strconv.Itoa(e.ID)}, nil
			}
			return Done(), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			return Done(), st.PrivateBooks.DeleteSynced(ctx, r.User, r.ID)
		},
	}}
}
