package handlers

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"pbxws/models"
)

// vcardProp is one property of a vCard (RFC 6350, and the 2.1 and 3.0 forms phones export):
// its name (upper case, group prefix dropped), its TYPE values (upper case; 2.1 bare
// parameters such as TEL;CELL count as types) and its value, unescaped.
type vcardProp struct {
	Name  string
	Types []string
	Value string
}

func (p vcardProp) is(t string) bool {
	for _, x := range p.Types {
		if x == t {
			return true
		}
	}
	return false
}

// vcard is one card's properties in order.
type vcard []vcardProp

// maxVCards bounds the cards one body may hold.
const maxVCards = 10000

// parseVCards reads every card of a vCard body. Errors name the line.
func parseVCards(data []byte) ([]vcard, error) {
	if !utf8.Valid(data) {
		return nil, models.Invalid("vcard", "must be UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark (Outlook, Notepad)
	// Unfold: a line break followed by a space or a tab continues the line.
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var lines []string
	var at []int // the source line each logical line starts on
	for i, l := range strings.Split(text, "\n") {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines, at = append(lines, l), append(at, i+1)
	}
	var cards []vcard
	var cur vcard
	in := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		fail := func(rule string) error { return models.Invalid(fmt.Sprintf("vcard line %d", at[i]), rule) }
		colon := valueColon(l)
		if colon <= 0 {
			return nil, fail("must be NAME[;PARAMS]:VALUE")
		}
		head, value := l[:colon], l[colon+1:]
		parts := splitParams(head)
		name := strings.ToUpper(parts[0])
		if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
			name = name[dot+1:]
		}
		switch {
		case name == "BEGIN" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			if in {
				return nil, fail("BEGIN:VCARD inside a card (END:VCARD missing)")
			}
			in, cur = true, vcard{}
			continue
		case name == "END" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			if !in {
				return nil, fail("END:VCARD without BEGIN:VCARD")
			}
			if len(cards) == maxVCards {
				return nil, fail(fmt.Sprintf("a body holds at most %d cards", maxVCards))
			}
			cards, in = append(cards, cur), false
			continue
		case !in:
			return nil, fail("is outside BEGIN:VCARD … END:VCARD")
		}
		p := vcardProp{Name: name}
		qp := false
		for _, param := range parts[1:] {
			k, v, hasValue := strings.Cut(param, "=")
			k = strings.ToUpper(strings.TrimSpace(k))
			switch {
			case !hasValue:
				p.Types = append(p.Types, k)
			case k == "TYPE":
				for _, t := range strings.Split(strings.Trim(v, `"`), ",") {
					p.Types = append(p.Types, strings.ToUpper(strings.TrimSpace(t)))
				}
			case k == "ENCODING" && strings.EqualFold(v, "QUOTED-PRINTABLE"):
				qp = true
			case k == "CHARSET" && !strings.EqualFold(v, "UTF-8") && !strings.EqualFold(v, "US-ASCII"):
				return nil, fail("charset " + v + " is not supported: send UTF-8")
			}
		}
		if qp {
			// Quoted-printable soft line breaks (a trailing =) join the next lines.
			for strings.HasSuffix(value, "=") && i+1 < len(lines) {
				i++
				value = value[:len(value)-1] + lines[i]
			}
			b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value)))
			if err != nil || !utf8.Valid(b) {
				return nil, fail("is not valid quoted-printable UTF-8")
			}
			value = string(b)
		}
		p.Value = value
		cur = append(cur, p)
	}
	if in {
		return nil, models.Invalid("vcard", "the last card has no END:VCARD")
	}
	if len(cards) == 0 {
		return nil, models.Invalid("vcard", "holds no BEGIN:VCARD … END:VCARD card")
	}
	return cards, nil
}

// splitParams splits a content line's name and parameters at the semicolons outside quotes.
func splitParams(head string) []string {
	var out []string
	quoted, from := false, 0
	for i := 0; i < len(head); i++ {
		switch head[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out, from = append(out, head[from:i]), i+1
			}
		}
	}
	return append(out, head[from:])
}

// valueColon is where a content line's value starts: its first colon outside a quoted
// parameter value (ADR;LABEL="1 Main: St":…), -1 when none.
func valueColon(l string) int {
	quoted := false
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// vcardFields splits a structured value (N, ADR, ORG) at unescaped semicolons, unescaped.
func vcardFields(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(v[i])
			}
		case c == ';':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// vcardText is a text value unescaped.
func vcardText(v string) string { return strings.Join(vcardFields(v), ";") }

// field returns the i-th structured field, trimmed ("" past the end).
func field(fs []string, i int) string {
	if i < len(fs) {
		return strings.TrimSpace(fs[i])
	}
	return ""
}

// telNumber is a TEL value as a number: a tel: URI's number, without visual separators.
func telNumber(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(vcardText(v)), "tel:")
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '/':
			return -1
		}
		return r
	}, v)
}

// bookEntryOfVCard is a private phonebook entry as sipX's vCard sync maps a card: N names
// it; ORG is the company and department; TITLE the job; TEL CELL and HOME the cell and home
// phones (and the number while none is set), FAX the fax, any other TEL the number; EMAIL
// WORK (or untyped) the e-mail and HOME the alternate one; ADR HOME and WORK the addresses;
// IMPP the IM ids (pbxws keeps one: the alternate IM id); AGENT the assistant.
func bookEntryOfVCard(c vcard, e *models.BookEntry) {
	p := &e.Contact
	for _, prop := range c {
		switch prop.Name {
		case "N":
			fs := vcardFields(prop.Value)
			e.LastName, e.FirstName = field(fs, 0), field(fs, 1)
		case "FN":
			if e.FirstName == "" && e.LastName == "" {
				e.FirstName = strings.TrimSpace(vcardText(prop.Value))
			}
		case "ORG":
			fs := vcardFields(prop.Value)
			p.CompanyName, p.JobDept = field(fs, 0), field(fs, 1)
		case "TITLE":
			p.JobTitle = strings.TrimSpace(vcardText(prop.Value))
		case "TEL":
			n := telNumber(prop.Value)
			switch {
			case prop.is("FAX"):
				p.FaxNumber = n
			case prop.is("CELL"):
				p.CellPhoneNumber = n
				if e.Number == "" {
					e.Number = n
				}
			case prop.is("HOME"):
				p.HomePhoneNumber = n
				if e.Number == "" {
					e.Number = n
				}
			default:
				e.Number = n
			}
		case "EMAIL":
			if prop.is("HOME") {
				p.AlternateEmailAddress = strings.TrimSpace(vcardText(prop.Value))
			} else {
				p.EmailAddress = strings.TrimSpace(vcardText(prop.Value))
			}
		case "ADR":
			fs := vcardFields(prop.Value)
			a := &models.Address{Street: strings.TrimSpace(field(fs, 1) + " " + field(fs, 2)), City: field(fs, 3),
				State: field(fs, 4), Zip: field(fs, 5), Country: field(fs, 6)}
			if prop.is("HOME") {
				p.HomeAddress = a
			} else {
				p.OfficeAddress = a
			}
		case "IMPP", "X-JABBER", "X-AIM":
			p.AlternateImID = strings.TrimSpace(vcardText(prop.Value))
		case "AGENT":
			if prop.is("TEL") || strings.HasPrefix(prop.Value, "tel:") {
				p.AssistantPhoneNumber = telNumber(prop.Value)
			} else {
				p.AssistantName = strings.TrimSpace(vcardText(prop.Value))
			}
		}
	}
}

// phonebookEntryOfVCard is a shared (XiVO) phonebook contact of a card: N and FN name it,
// ORG is the society, the first EMAIL and URL are kept, NOTE is the description; TEL WORK
// (or untyped), HOME, CELL, FAX and the others are the office, home, mobile, fax and other
// numbers; ADR WORK (or untyped), HOME and OTHER the addresses.
func phonebookEntryOfVCard(c vcard) models.PhonebookEntry {
	p := models.PhonebookEntry{Title: "mr", Numbers: map[string]string{}, Addresses: map[string]models.PhonebookAddress{}}
	for _, prop := range c {
		switch prop.Name {
		case "N":
			fs := vcardFields(prop.Value)
			p.LastName, p.FirstName = field(fs, 0), field(fs, 1)
			switch strings.ToLower(strings.TrimRight(field(fs, 3), ".")) {
			case "mrs":
				p.Title = "mrs"
			case "ms", "miss":
				p.Title = "ms"
			}
		case "FN":
			p.DisplayName = strings.TrimSpace(vcardText(prop.Value))
		case "ORG":
			p.Society = field(vcardFields(prop.Value), 0)
		case "EMAIL":
			if p.Email == "" {
				p.Email = strings.TrimSpace(vcardText(prop.Value))
			}
		case "URL":
			if p.URL == "" {
				p.URL = strings.TrimSpace(vcardText(prop.Value))
			}
		case "NOTE":
			p.Description = strings.TrimSpace(vcardText(prop.Value))
		case "TEL":
			kind := "office"
			switch {
			case prop.is("FAX"):
				kind = "fax"
			case prop.is("CELL"):
				kind = "mobile"
			case prop.is("HOME"):
				kind = "home"
			case len(prop.Types) > 0 && !prop.is("WORK") && !prop.is("VOICE") && !prop.is("PREF") && !prop.is("MAIN"):
				kind = "other"
			}
			if p.Numbers[kind] == "" {
				p.Numbers[kind] = telNumber(prop.Value)
			}
		case "ADR":
			kind := "office"
			switch {
			case prop.is("HOME"):
				kind = "home"
			case len(prop.Types) > 0 && !prop.is("WORK") && !prop.is("PREF"):
				kind = "other"
			}
			fs := vcardFields(prop.Value)
			country := field(fs, 6)
			if len(country) == 2 {
				country = strings.ToUpper(country)
			}
			p.Addresses[kind] = models.PhonebookAddress{Address1: field(fs, 2), Address2: field(fs, 1), City: field(fs, 3),
				State: field(fs, 4), Zipcode: field(fs, 5), Country: country}
		}
	}
	if p.DisplayName == "" {
		p.DisplayName = strings.TrimSpace(p.FirstName + " " + p.LastName)
	}
	return p
}

// csvRecord is one CSV record and the line it starts on.
type csvRecord struct {
	fields []string
	line   int
}

// csvRecords reads a CSV body as sipX exports it and spreadsheets write it: fields separated
// by commas, optionally double-quoted, a quote inside a quoted field written "" or \" (a
// backslash before the closing quote is the value's own: sipX writes \ as is), lines ending
// in LF or CRLF, blank lines skipped. Errors name the line.
func csvRecords(data []byte) ([]csvRecord, error) {
	if !utf8.Valid(data) {
		return nil, models.Invalid("csv", "must be UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark
	var out []csvRecord
	var rec []string
	var f strings.Builder
	line, start := 1, 1
	inQuotes, started, content := false, false, false
	endField := func() { rec = append(rec, f.String()); f.Reset(); started = false }
	ends := func(i int) bool { return i >= len(data) || data[i] == ',' || data[i] == '\n' || data[i] == '\r' }
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inQuotes && c == '\\' && i+1 < len(data) && data[i+1] == '"' && !ends(i+2):
			f.WriteByte('"')
			i++
		case inQuotes && c == '"' && i+1 < len(data) && data[i+1] == '"':
			f.WriteByte('"')
			i++
		case inQuotes && c == '"':
			inQuotes = false
			if !ends(i + 1) {
				return nil, models.Invalid(fmt.Sprintf("csv line %d", line), "a closing quote must end its field")
			}
		case inQuotes:
			if c == '\n' {
				line++
			}
			f.WriteByte(c)
		case c == '"' && !started:
			inQuotes, started, content = true, true, true
		case c == '"':
			return nil, models.Invalid(fmt.Sprintf("csv line %d", line), "a quote inside an unquoted field (quote the field)")
		case c == ',':
			endField()
			content = true
		case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
		case c == '\n':
			endField()
			if content {
				out = append(out, csvRecord{rec, start})
			}
			rec, content = nil, false
			line++
			start = line
		default:
			started, content = true, true
			f.WriteByte(c)
		}
	}
	if inQuotes {
		return nil, models.Invalid(fmt.Sprintf("csv line %d", start), "a quoted field is not closed")
	}
	if content {
		endField()
		out = append(out, csvRecord{rec, start})
	}
	return out, nil
}
