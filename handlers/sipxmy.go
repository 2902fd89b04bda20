package handlers

import (
	"context"
	"time"
	"unicode/utf8"

	"pbxws/models"
)

// The sipX "my" resources (sipx-rest.md §6): each acts for the authenticated user
// (Request.User), never for one a path names. view answers GET, edit answers PUT; a path
// parameter ({password}, {pin}) arrives as Request.ID.

// MyLoginDetails is GET /my/logindetails: what a softphone provisions itself with.
func MyLoginDetails(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			c, err := st.Users.View(ctx, r.User)
			if err != nil {
				return Result{}, err
			}
			secret := ""
			for _, l := range c.Lines {
				if l.Protocol == "sip" && l.Secret != "" {
					secret = l.Secret
					break
				}
			}
			// pbxws has no IM server: no IM id, no LDAP IM authentication.
			return Object(SipxDoc{Root: "login-details", Value: SipxObject{{"userName", sipxUserName(c)},
				{"imId", ""}, {"ldapImAuth", false}, {"sipPassword", secret}}}), nil
		},
	}}
}

// MyTime is GET /my/time: the server's local time, for people (text/plain).
func MyTime(now func() time.Time) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(context.Context, *Request) (Result, error) {
			return Result{Text: []byte(now().Format("Mon Jan 2 15:04:05 MST 2006") + "\n"), TextType: "text/plain; charset=utf-8"}, nil
		},
	}}
}

// MyPortalPassword is PUT /my/portal/password/{password}: at least 8 characters; every
// Digest secret of the user follows.
func MyPortalPassword(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			if utf8.RuneCountInString(r.ID) < 8 {
				return Result{}, models.Invalid("password", "Password must be at least 8 characters long")
			}
			return Done(), st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				return &models.UserComposite{User: stored.User, Password: r.ID}, nil
			})
		},
	}}
}

// MyVoicemailPin is PUT /my/voicemail/pin/{pin}: 4 or more digits become the password of
// the user's voicemail box; a user without one gets 404.
func MyVoicemailPin(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "edit", Acts: map[string]Act{
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			if len(r.ID) < 4 {
				return Result{}, models.Invalid("pin", "Voicemail PIN must be at least 4 characters long")
			}
			for _, ch := range r.ID {
				if ch < '0' || ch > '9' {
					return Result{}, models.Invalid("pin", "Voicemail PIN must contain only digits")
				}
			}
			return Done(), st.Users.Edit(ctx, r.User, func(stored *models.UserComposite) (*models.UserComposite, error) {
				if stored.Voicemail == nil {
					return nil, models.ErrNotFound
				}
				vm := *stored.Voicemail
				vm.Password = r.ID
				return &models.UserComposite{User: stored.User, Voicemail: &vm}, nil
			})
		},
	}}
}
