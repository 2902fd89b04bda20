package models_test

import (
	"context"
	"testing"

	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func registrationStore(t *testing.T) *models.RegistrationStore {
	t.Helper()
	db, err := pbxsql.Open(context.Background(), testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return models.NewRegistrationStore(db)
}

// A REGISTER's updates replace bindings by Contact, keep the freshest ones, and the answer
// lists what remains; Contacts and Active read the same bindings.
func TestRegistrationStoreAppliesUpdatesAndKeepsTheFreshest(t *testing.T) {
	st := registrationStore(t)
	ctx := context.Background()
	src := models.BindingSource{CallID: "c1", CSeq: 1, UserAgent: "phone", Socket: "udp:127.0.0.1:5060"}
	got, err := st.Apply(ctx, "1001", "example.org", []models.BindingUpdate{
		{Contact: "sip:1001@192.0.2.1:5062", ExpiresIn: 60},
		{Contact: "sip:1001@192.0.2.2:5062", Received: "sip:198.51.100.2:4000", ExpiresIn: 120},
	}, src, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ExpiresIn > 120 || got[0].ExpiresIn < 58 {
		t.Fatalf("bindings after the first REGISTER: %+v", got)
	}
	// The same Contact again replaces its binding; a third Contact pushes out the oldest.
	if got, err = st.Apply(ctx, "1001", "example.org", []models.BindingUpdate{
		{Contact: "sip:1001@192.0.2.2:5062", ExpiresIn: 300},
		{Contact: "sip:1001@192.0.2.3:5062", ExpiresIn: 300},
	}, src, 2); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("kept %d bindings, want the 2 freshest: %+v", len(got), got)
	}
	for _, b := range got {
		if b.Contact == "sip:1001@192.0.2.1:5062" {
			t.Errorf("the oldest binding survived: %+v", got)
		}
	}
	contacts, err := st.Contacts(ctx, []string{"1001", "nobody"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(contacts) != 2 {
		t.Fatalf("contacts %+v", contacts)
	}
	for _, c := range contacts {
		if c.Received != "" {
			t.Errorf("a re-registration without NAT kept the old source: %+v", c)
		}
	}
	if n, err := st.Active(ctx); err != nil || n != 2 {
		t.Fatalf("active %d, %v", n, err)
	}
	// Expires 0 removes one binding; Contact: * removes them all.
	if got, err = st.Apply(ctx, "1001", "example.org", []models.BindingUpdate{{Contact: "sip:1001@192.0.2.3:5062"}}, src, 2); err != nil || len(got) != 1 {
		t.Fatalf("after removing one: %+v, %v", got, err)
	}
	if got, err = st.Apply(ctx, "1001", "example.org", []models.BindingUpdate{{All: true}}, src, 2); err != nil || len(got) != 0 {
		t.Fatalf("after Contact *: %+v, %v", got, err)
	}
	if n, err := st.Active(ctx); err != nil || n != 0 {
		t.Fatalf("active %d, %v", n, err)
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
