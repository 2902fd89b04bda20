package models

import "strings"

// PhoneModel is a phone model of pbxws's catalogue, named by its sipX model id. A device
// made through sipX stores the model's XiVO vendor and model strings, which is how a
// device is matched back to its model.
type PhoneModel struct {
	// ID is the sipX model id ("polycomVVX410"), Label what people read.
	ID    string
	Label string
	// Vendor and Model are the XiVO device's strings.
	Vendor, Model string
	// Versions are the firmware families the model's profiles are written for (none: the
	// version is free text).
	Versions []string
	// MaxLines is how many lines the phone has keys for: profiles carry the first MaxLines.
	MaxLines int
}

// GenericPhoneModel is what a device of no known model is.
const GenericPhoneModel = "genericSipPhone"

// phoneModels is the catalogue, by label.
var phoneModels = []PhoneModel{
	{ID: "aastra6731i", Label: "Aastra 6731i", Vendor: "Aastra", Model: "6731i", MaxLines: 6},
	{ID: GenericPhoneModel, Label: "Generic SIP phone", MaxLines: 1},
	{ID: "polycom335", Label: "Polycom SoundPoint IP 335", Vendor: "Polycom", Model: "SPIP335", Versions: []string{"3.2.X", "4.0.X"}, MaxLines: 2},
	{ID: "polycom550", Label: "Polycom SoundPoint IP 550/560", Vendor: "Polycom", Model: "SPIP550", Versions: []string{"3.2.X", "4.0.X"}, MaxLines: 4},
	{ID: "polycomVVX410", Label: "Polycom VVX 410", Vendor: "Polycom", Model: "VVX410", Versions: []string{"4.1.X", "5.0.X", "6.0.X"}, MaxLines: 12},
	{ID: "polycomVVX500", Label: "Polycom VVX 500", Vendor: "Polycom", Model: "VVX500", Versions: []string{"4.1.X", "5.0.X", "6.0.X"}, MaxLines: 12},
	{ID: "yealinkPhoneT46", Label: "Yealink SIP-T46G", Vendor: "Yealink", Model: "T46G", MaxLines: 16},
	{ID: "yealinkPhoneT48", Label: "Yealink SIP-T48G", Vendor: "Yealink", Model: "T48G", MaxLines: 16},
}

// PhoneModels is the catalogue, by label.
func PhoneModels() []PhoneModel { return append([]PhoneModel(nil), phoneModels...) }

// PhoneModelByID finds a model by its sipX id (case-sensitive, as sipX's were).
func PhoneModelByID(id string) (PhoneModel, bool) {
	for _, m := range phoneModels {
		if m.ID == id {
			return m, true
		}
	}
	return PhoneModel{}, false
}

// PhoneModelOf is the model of a device by its XiVO vendor and model (case-insensitive);
// a pair the catalogue does not know is the generic SIP phone.
func PhoneModelOf(vendor, model string) PhoneModel {
	for _, m := range phoneModels {
		if m.Vendor != "" && strings.EqualFold(m.Vendor, vendor) && strings.EqualFold(m.Model, model) {
			return m
		}
	}
	generic, _ := PhoneModelByID(GenericPhoneModel)
	return generic
}

// HasVersion reports whether v is one of the model's firmware families (any v when the
// model lists none).
func (m PhoneModel) HasVersion(v string) bool {
	if len(m.Versions) == 0 {
		return true
	}
	for _, x := range m.Versions {
		if x == v {
			return true
		}
	}
	return false
}
