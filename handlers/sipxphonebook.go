package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"

	"pbxws/models"
)

// The sipX admin phonebook resources (sipx-rest.md §5.1, §5.2) over the XiVO phonebook
// (pbx_services/phonebook): pbxws has one shared book, named xivoPhonebook.
const xivoPhonebook = "xivo"

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
func SipxPhonebooks() *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(context.Context, *Request) (Result, error) { return Object(phonebookList{xivoPhonebook}), nil },
	}}
}

// phonebookEntries is GET /phonebook/{name}: CSV (the default), XML or JSON.
type phonebookEntries []models.BookEntry

func (es phonebookEntries) Render(media string) ([]byte, string) {
	switch media {
	case "text/xml", "application/json":
		items := make([]any, len(es))
		for i, e := range es {
			items[i] = SipxObject{{"first-name", e.FirstName}, {"last-name", e.LastName}, {"number", e.Number}}
		}
		doc := SipxDoc{Root: "phonebook", Value: SipxList{Item: "entry", Items: items}}
		if media == "text/xml" {
			return doc.XML(), "text/xml; charset=utf-8"
		}
		return doc.JSON(), "application/json; charset=utf-8"
	}
	return entriesCSV(es), "text/comma-separated-values; charset=utf-8"
}

// entriesCSV is a phonebook as sipX exports it: every field quoted, a quote inside written
// \", lines ending in LF.
func entriesCSV(es []models.BookEntry) []byte {
	q := strings.NewReplacer(`"`, `\"`)
	var b bytes.Buffer
	b.WriteString("\"First name\",\"Last name\",\"Number\"\n")
	for _, e := range es {
		b.WriteString(`"` + q.Replace(e.FirstName) + `","` + q.Replace(e.LastName) + `","` + q.Replace(e.Number) + "\"\n")
	}
	return b.Bytes()
}

// SipxPhonebook is GET /phonebook/{name}: the entries of the book; 404 for another name.
func SipxPhonebook(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if r.ID != xivoPhonebook {
				return Result{}, models.ErrNotFound
			}
			ps, err := st.Phonebook.List(ctx)
			if err != nil {
				return Result{}, err
			}
			out := make(phonebookEntries, len(ps))
			for i := range ps {
				out[i] = models.SharedEntry(&ps[i])
			}
			return Object(out), nil
		},
	}}
}
