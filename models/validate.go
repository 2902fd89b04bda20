package models

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"
)

// validate is the one shared validator: goroutine-safe, caches struct metadata.
var validate = newValidator()

var (
	reEntityName  = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)
	reContextName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,39}$`)
	reContextType = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	reExtension   = regexp.MustCompile(`^[0-9*#]+$`)
	reDialable    = regexp.MustCompile(`^\+?[0-9*#]+$`)
	// reSpeedDial is what a speed-dial key dials: a number, or a SIP address user@host.
	reSpeedDial  = regexp.MustCompile(`^(\+?[0-9*#]+|(sip:)?[A-Za-z0-9._~+-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?)$`)
	reZipcode    = regexp.MustCompile(`^[A-Za-z0-9_-]{0,16}$`)
	reCountry    = regexp.MustCompile(`^[A-Z]{2}$`)
	reLineName   = regexp.MustCompile(`^[A-Za-z0-9@+._-]{1,40}$`)
	reDeviceSlug = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	reLanguage   = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)
)

// reservedContexts are Asterisk dialplan names a context may not take.
var reservedContexts = map[string]bool{
	"xivo-features": true, "general": true, "global": true, "globals": true,
	"parkedcalls": true, "authentication": true, "zonemessages": true,
}

// ruleText is the readable form of each rule, used in 400 bodies ("field": "rule").
var ruleText = map[string]string{
	"required":    "is required",
	"max":         "must be at most %s characters",
	"min":         "must be at least %s characters",
	"oneof":       "must be one of: %s",
	"email":       "must be an e-mail address",
	"entityname":  "must be 1-64 characters of a-z, 0-9, _ . -",
	"contextname": "must be 1-39 characters of A-Z, a-z, 0-9, _ - (not a reserved name, not macro-/voicemenu-/xivo-)",
	"contexttype": "must be 1-64 characters of a-z, 0-9, _ -",
	"extension":   "must contain only digits, * and #",
	"dialable":    "must be a dialable number (optional +, then digits, * and #)",
	"printable":   "must be printable text without control characters",
	"clock":       "must be a time of day HH:MM (00:00 to 23:59)",
	"speeddial":   "must be a number (optional +, then digits, * and #) or a SIP address user@host",
	"zipcode":     "must be at most 16 characters of A-Z, a-z, 0-9, _ -",
	"country":     "must be a 2-letter upper-case country code",
	"linename":    "must be 1-40 characters of A-Z, a-z, 0-9, @ + . _ -",
	"devicename":  "must be 1-32 characters of a-z, 0-9",
	"language":    "must be a locale such as en_US",
	"gte":         "must be at least %s",
	"lte":         "must be at most %s",
	"ip":          "must be an IP address",
	"mac":         "must be a MAC address",
}

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Errors name fields canonically: the Go field name in snake case (FirstName →
	// first_name, CTIProfileID → cti_profile_id); each façade's codec renames them.
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return FieldName(f.Name) })
	re := func(r *regexp.Regexp) validator.Func {
		return func(fl validator.FieldLevel) bool { return r.MatchString(fl.Field().String()) }
	}
	must(v.RegisterValidation("entityname", re(reEntityName)))
	must(v.RegisterValidation("contexttype", re(reContextType)))
	must(v.RegisterValidation("extension", re(reExtension)))
	must(v.RegisterValidation("dialable", re(reDialable)))
	must(v.RegisterValidation("speeddial", re(reSpeedDial)))
	must(v.RegisterValidation("clock", re(reTimeOfDay)))
	must(v.RegisterValidation("zipcode", re(reZipcode)))
	must(v.RegisterValidation("country", re(reCountry)))
	must(v.RegisterValidation("linename", re(reLineName)))
	must(v.RegisterValidation("devicename", re(reDeviceSlug)))
	must(v.RegisterValidation("language", re(reLanguage)))
	must(v.RegisterValidation("contextname", func(fl validator.FieldLevel) bool {
		return ValidContextName(fl.Field().String())
	}))
	must(v.RegisterValidation("printable", func(fl validator.FieldLevel) bool {
		return Printable(fl.Field().String())
	}))
	return v
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// ValidContextName applies the dialplan rules for context names.
func ValidContextName(s string) bool {
	if !reContextName.MatchString(s) || reservedContexts[s] {
		return false
	}
	l := strings.ToLower(s)
	return !strings.HasPrefix(l, "macro-") && !strings.HasPrefix(l, "voicemenu-") && !strings.HasPrefix(l, "xivo-")
}

// Printable reports whether s has no control characters (CR, LF, NUL, …).
func Printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// FieldName is the canonical name of a Go field: snake case, acronyms kept whole
// (EntityID → entity_id, CTIProfileID → cti_profile_id, ActionArg1 → action_arg1).
func FieldName(goName string) string {
	r := []rune(goName)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// Check validates a struct with its tags and returns a *ValidationError naming each field
// (by its canonical name, nested with dots) and rule, or nil.
func Check(v any) *ValidationError {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return Invalid("body", err.Error())
	}
	out := &ValidationError{}
	for _, fe := range ves {
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 {
			ns = ns[i+1:] // drop the struct type name
		}
		out.Add(ns, RuleText(fe.Tag(), fe.Param()))
	}
	return out
}

// CheckIn is Check with every field under the object's canonical name ("entity.name").
func CheckIn(object string, v any) *ValidationError {
	ve := &ValidationError{}
	ve.Merge(object+".", Check(v))
	return ve
}

// RuleText is the readable text of a validator rule.
func RuleText(tag, param string) string {
	t, ok := ruleText[tag]
	if !ok {
		if param != "" {
			return "must satisfy " + tag + "=" + param
		}
		return "must satisfy " + tag
	}
	if strings.Contains(t, "%s") {
		return strings.Replace(t, "%s", strings.ReplaceAll(param, " ", ", "), 1)
	}
	return t
}

var reLoginClient = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

func init() {
	must(validate.RegisterValidation("loginclient", func(fl validator.FieldLevel) bool {
		return reLoginClient.MatchString(fl.Field().String())
	}))
	ruleText["loginclient"] = "must be 2-64 characters of A-Z, a-z, 0-9, . _ ~ -"
	ruleText["numeric"] = "must contain only digits"
}
