package handlers

import (
	"context"

	"pbxws/models"
)

// The sipX license, /api/license (sipx-api.md §15): GET shows the stored license
// information; POST /license/{uid}, or POST /license with {"uid": …} (<License><uid>…),
// stores the UID and answers the license it now belongs to.

// APILicense is the resource; domain is the SIP domain a license without one is for.
func APILicense(st *models.Stores, domain func() string) *Resource {
	answer := func(l models.License) Result {
		if l.Domain == "" && domain != nil {
			l.Domain = domain()
		}
		return Result{JSON: APIDoc{Root: "License", Value: licenseBean(l)}}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			l, err := st.License.Get(ctx)
			if err != nil {
				return Result{}, err
			}
			return answer(l), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			uid, ok := r.PathParams["uid"]
			if !ok {
				body, err := r.decoded()
				if err != nil {
					return Result{}, err
				}
				errs := &models.ValidationError{}
				if !(fields{m: unwrap(body, "License", "license"), errs: errs}).strTrim("uid", &uid) && errs.OrNil() == nil {
					errs.Add("uid", "is required")
				}
				if err := errs.OrNil(); err != nil {
					return Result{}, err
				}
			}
			l, err := st.License.SetUID(ctx, uid)
			if err != nil {
				return Result{}, err
			}
			return answer(l), nil
		},
	}}
}

// licenseBean is the license as the document shows it.
func licenseBean(l models.License) APIObject {
	return APIObject{
		{Name: "uid", Value: l.UID},
		{Name: "domain", Value: l.Domain},
		{Name: "version", Value: l.Version},
		{Name: "expire", Value: l.Expire},
		{Name: "support", Value: l.Support},
		{Name: "licenseType", Value: l.LicenseType},
		{Name: "users", Value: l.Users},
		{Name: "mobileDevices", Value: l.MobileDevices},
		{Name: "company", Value: l.Company},
		{Name: "contactEmail", Value: l.ContactEmail},
		{Name: "contactName", Value: l.ContactName},
		{Name: "contactPhone", Value: l.ContactPhone},
	}
}
