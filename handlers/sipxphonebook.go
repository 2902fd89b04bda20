package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX admin phonebook resources (sipx-rest.md §5.1, §5.2) over the XiVO phonebook
// (pbx_services/phonebook): pbxws has one shared book, which sipX calls book (the
// configuration's sipx-phonebook, "xivo" by default).

// SipxRenderer is an answer that writes its own representations (CSV, XML attributes):
// the façade asks it for the negotiated media type.
type SipxRenderer interface {
	Render(media string) (body []byte, contentType string)
}

// phonebookList is GET /phonebook: XML only, the book's name as an attribute.
type phonebookList []string

func (l phonebookList) Render(string) ([]byte, string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><phonebooks>`)
	for _, n := range l {
		b.WriteString(`<phonebook name="`)
		_ = xml.EscapeText(&b, []byte(n))
		b.WriteString(`"/>`)
	}
	b.WriteString(`</phonebooks>`)
	return b.Bytes(), "text/xml; charset=utf-8"
}

// SipxPhonebooks is GET /phonebook.
func SipxPhonebooks(book string) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(context.Context, *Request) (Result, error) { return Object(phonebookList{book}), nil },
	}}
}

// phonebookEntries is GET /phonebook/{name}: CSV (the default), XML or JSON.
type phonebookEntries []models.BookEntry

func (es phonebookEntries) Render(media string) ([]byte, string) {
	switch media {
	case "text/xml", "application/json":
		items := make([]any, len(es))
		for i, e := range es {
			items[i] = SipxObject{{Name: "first-name", Value: e.FirstName}, {Name: "last-name", Value: e.LastName}, {Name: "number", Value: e.Number}}
		}
		doc := SipxDoc{Root: "phonebook", Value: SipxList{Item: "entry", Items: items}}
		if media == "text/xml" {
			return doc.XML(), "text/xml; charset=utf-8"
		}
		return doc.JSON(), "application/json; charset=utf-8"
	}
	return entriesCSV(es), "text/comma-separated-values; charset=utf-8"
}

// csvQuote writes a quote inside a CSV value as sipX does, \".
var csvQuote = strings.NewReplacer(`"`, `\"`)

// entriesCSV is a phonebook as sipX exports it: every field quoted, a quote inside written
// \", lines ending in LF.
func entriesCSV(es []models.BookEntry) []byte {
	var b bytes.Buffer
	b.Grow(32 + 48*len(es))
	b.WriteString("\"First name\",\"Last name\",\"Number\"\n")
	for i := range es {
		e := &es[i]
		for j, v := range [3]string{e.FirstName, e.LastName, e.Number} {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			_, _ = csvQuote.WriteString(&b, v)
			b.WriteByte('"')
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// csvColumns are the columns a phonebook CSV import reads (header names, any case): the
// three sipX exports, and the XiVO contact's other fields.
var csvColumns = map[string]func(p *models.PhonebookEntry, v string){
	"first name":   func(p *models.PhonebookEntry, v string) { p.FirstName = v },
	"last name":    func(p *models.PhonebookEntry, v string) { p.LastName = v },
	"number":       func(p *models.PhonebookEntry, v string) { p.Numbers["office"] = v },
	"display name": func(p *models.PhonebookEntry, v string) { p.DisplayName = v },
	"company":      func(p *models.PhonebookEntry, v string) { p.Society = v },
	"email":        func(p *models.PhonebookEntry, v string) { p.Email = v },
	"url":          func(p *models.PhonebookEntry, v string) { p.URL = v },
	"description":  func(p *models.PhonebookEntry, v string) { p.Description = v },
	"home number":  func(p *models.PhonebookEntry, v string) { p.Numbers["home"] = v },
	"mobile number": func(p *models.PhonebookEntry, v string) {
		p.Numbers["mobile"] = v
	},
	"fax number":   func(p *models.PhonebookEntry, v string) { p.Numbers["fax"] = v },
	"other number": func(p *models.PhonebookEntry, v string) { p.Numbers["other"] = v },
}

// phonebookOfCSV reads a CSV import: a header line naming csvColumns, then one contact per
// line (a contact without a display name shows "first last").
func phonebookOfCSV(body []byte) ([]models.PhonebookEntry, func(int) string, error) {
	recs, err := csvRecords(body)
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, models.Invalid("csv", "is empty: the first line names the columns (\"First name\",\"Last name\",\"Number\")")
	}
	cols := make([]func(*models.PhonebookEntry, string), len(recs[0].fields))
	for i, h := range recs[0].fields {
		set, ok := csvColumns[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			return nil, nil, models.Invalid(fmt.Sprintf("csv line %d, column %d", recs[0].line, i+1),
				"unknown column "+strconv.Quote(h)+": the columns are First name, Last name, Number, Display name, Company, Email, URL, Description, Home number, Mobile number, Fax number, Other number")
		}
		cols[i] = set
	}
	out := make([]models.PhonebookEntry, 0, len(recs)-1)
	for _, r := range recs[1:] {
		rec := r.fields
		if len(rec) != len(cols) {
			return nil, nil, models.Invalid(fmt.Sprintf("csv line %d", r.line), fmt.Sprintf("has %d fields, the header %d", len(rec), len(cols)))
		}
		p := models.PhonebookEntry{Title: "mr", Numbers: map[string]string{}, Addresses: map[string]models.PhonebookAddress{}}
		for i, v := range rec {
			cols[i](&p, strings.TrimSpace(v))
		}
		if p.DisplayName == "" {
			p.DisplayName = strings.TrimSpace(p.FirstName + " " + p.LastName)
		}
		out = append(out, p)
	}
	return out, func(i int) string { return fmt.Sprintf("csv line %d", recs[i+1].line) }, nil
}

// importMedia are the bodies a phonebook import reads.
var importMedia = map[string]string{"text/comma-separated-values": "csv", "text/csv": "csv",
	"text/vcard": "vcard", "text/x-vcard": "vcard", "text/directory": "vcard"}

// SipxPhonebook is /phonebook/{name}: GET the entries of the book (404 for another name);
// POST imports a CSV or vCard body into it, PUT replaces the book's contents with the body's:
// every contact valid, or nothing written.
func SipxPhonebook(st *models.Stores, book string) *Resource {
	importBook := func(replace bool) Act {
		return func(ctx context.Context, r *Request) (Result, error) {
			if r.ID != book {
				return Result{}, models.ErrNotFound
			}
			var ps []models.PhonebookEntry
			var label func(int) string
			switch importMedia[r.ContentType] {
			case "csv":
				var err error
				if ps, label, err = phonebookOfCSV(r.Body); err != nil {
					return Result{}, err
				}
			case "vcard":
				cards, err := parseVCards(r.Body)
				if err != nil {
					return Result{}, err
				}
				for _, c := range cards {
					ps = append(ps, phonebookEntryOfVCard(c))
				}
				label = func(i int) string { return fmt.Sprintf("vcard %d", i+1) }
			default:
				return Result{}, &ErrUnsupportedMedia{Msg: "a phonebook import is text/comma-separated-values (or text/csv) or text/vcard"}
			}
			if err := st.Phonebook.CreateMany(ctx, ps, replace, label); err != nil {
				return Result{}, err
			}
			verb := "added to"
			if replace {
				verb = "now make up"
			}
			return Result{Text: []byte(fmt.Sprintf("%d entries %s phonebook %s\n", len(ps), verb, book)), TextType: "text/plain; charset=utf-8"}, nil
		}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"add":  importBook(false),
		"edit": importBook(true),
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if r.ID != book {
				return Result{}, models.ErrNotFound
			}
			es, err := st.Books.Shared(ctx)
			return Object(phonebookEntries(es)), err
		},
	}}
}
