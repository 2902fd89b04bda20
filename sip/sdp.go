package sip

import (
	"bytes"
	"strings"
)

// The SDP direction attributes (RFC 4566 §6, RFC 3264 §5.1).
const (
	dirSendRecv = "sendrecv"
	dirSendOnly = "sendonly"
	dirRecvOnly = "recvonly"
	dirInactive = "inactive"
)

// offerDirection is the direction an SDP offer asks for its first audio stream: the stream's
// own attribute, else the session-level one, else sendrecv.
func offerDirection(body []byte) string {
	session, media := "", ""
	inAudio, seenMedia := false, false
	for _, line := range bytes.Split(body, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		if strings.HasPrefix(l, "m=") {
			if inAudio {
				break // only the first audio stream counts
			}
			seenMedia = true
			inAudio = strings.HasPrefix(l, "m=audio ")
			continue
		}
		if !strings.HasPrefix(l, "a=") {
			continue
		}
		switch d := l[2:]; d {
		case dirSendRecv, dirSendOnly, dirRecvOnly, dirInactive:
			switch {
			case !seenMedia:
				session = d
			case inAudio && media == "":
				media = d
			}
		}
	}
	switch {
	case media != "":
		return media
	case session != "":
		return session
	}
	return dirSendRecv
}

// answerDirection is the direction of the answer to an offer of direction d (RFC 3264 §6.1):
// a party holding the call (sendonly) is answered recvonly; one that only wants to receive, or
// neither, is answered inactive, since the controller has nothing to send.
func answerDirection(d string) string {
	switch d {
	case dirSendOnly:
		return dirRecvOnly
	case dirRecvOnly, dirInactive:
		return dirInactive
	}
	return dirSendRecv
}

// withDirection replaces every direction attribute of body by d.
func withDirection(body []byte, d string) []byte {
	lines := bytes.Split(body, []byte("\n"))
	for i, line := range lines {
		t := strings.TrimRight(string(line), "\r")
		switch t {
		case "a=" + dirSendRecv, "a=" + dirSendOnly, "a=" + dirRecvOnly, "a=" + dirInactive:
			nl := "a=" + d
			if strings.HasSuffix(string(line), "\r") {
				nl += "\r"
			}
			lines[i] = []byte(nl)
		}
	}
	return bytes.Join(lines, []byte("\n"))
}
