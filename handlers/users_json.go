package handlers

import (
	"strconv"

	"pbxws/models"
)

// userList renders the users list without reflection: it is the largest answer pbxws gives
// (10,000 users are megabytes). Its output is byte-identical to EncodeJSON of the
// userWire rows, which TestUserListEncoderMatchesReflection pins.
type userList []models.User

// Len lets RenderJSON size its buffer.
func (l userList) Len() int { return len(l) }

// AppendPHPJSON appends the list as json_encode would.
func (l userList) AppendPHPJSON(b []byte) []byte {
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendUser(b, &l[i])
	}
	return append(b, ']')
}

func appendUser(b []byte, u *models.User) []byte {
	str := func(b []byte, key, v string) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		return appendPHPString(b, v)
	}
	optStr := func(b []byte, key string, v *string) []byte {
		if v == nil {
			b = append(b, ',', '"')
			b = append(b, key...)
			return append(b, `":null`...)
		}
		return str(b, key, *v)
	}
	optInt := func(b []byte, key string, v *int) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		if v == nil {
			return append(b, "null"...)
		}
		return strconv.AppendInt(b, int64(*v), 10)
	}
	boolean := func(b []byte, key string, v bool) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		return strconv.AppendBool(b, v)
	}
	full := u.Fullname()
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(u.ID), 10)
	b = append(b, `,"entityid":`...)
	b = strconv.AppendInt(b, int64(u.EntityID), 10)
	b = optInt(b, "cti_profile_id", u.CTIProfileID)
	b = str(b, "firstname", u.FirstName)
	b = str(b, "lastname", u.LastName)
	b = str(b, "fullname", full)
	b = str(b, "identity", full)
	b = str(b, "callerid", u.CallerID)
	if u.VoicemailID != nil {
		b = str(b, "voicemailid", strconv.Itoa(*u.VoicemailID))
	} else {
		b = optStr(b, "voicemailid", nil)
	}
	b = optStr(b, "voicemailtype", u.VoicemailType)
	b = optInt(b, "agentid", u.AgentID)
	b = optInt(b, "pictureid", u.PictureID)
	b = str(b, "ringseconds", strconv.Itoa(u.RingSeconds))
	b = str(b, "simultcalls", strconv.Itoa(u.SimultCalls))
	b = boolean(b, "enableclient", u.EnableClient)
	login := ""
	if u.LoginClient != nil {
		login = *u.LoginClient
	}
	b = str(b, "loginclient", login)
	b = str(b, "passwdclient", "")
	b = boolean(b, "enablehint", u.EnableHint)
	b = boolean(b, "enablevoicemail", u.EnableVoicemail)
	b = boolean(b, "enablexfer", u.EnableXfer)
	b = boolean(b, "enableautomon", u.EnableAutomon)
	b = boolean(b, "callrecord", u.CallRecord)
	b = boolean(b, "incallfilter", u.IncallFilter)
	b = boolean(b, "enablednd", u.EnableDND)
	b = boolean(b, "enableunc", u.EnableUNC)
	b = str(b, "destunc", u.DestUNC)
	b = boolean(b, "enablerna", u.EnableRNA)
	b = str(b, "destrna", u.DestRNA)
	b = boolean(b, "enablebusy", u.EnableBusy)
	b = str(b, "destbusy", u.DestBusy)
	b = str(b, "musiconhold", u.MusicOnHold)
	b = str(b, "outcallerid", u.OutCallerID)
	b = str(b, "mobilephonenumber", u.MobilePhoneNumber)
	b = str(b, "userfield", u.UserField)
	b = str(b, "bsfilter", u.BSFilter)
	b = optStr(b, "preprocess_subroutine", u.PreprocessSubroutine)
	b = str(b, "timezone", u.Timezone)
	b = str(b, "language", u.Language)
	b = str(b, "ringintern", u.RingIntern)
	b = str(b, "ringextern", u.RingExtern)
	b = str(b, "ringgroup", u.RingGroup)
	b = str(b, "ringforward", u.RingForward)
	b = str(b, "rightcallcode", u.RightCallCode)
	b = boolean(b, "commented", u.Commented)
	b = str(b, "description", u.Description)
	return append(b, '}')
}
