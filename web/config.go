package web

import (
	"net/url"
	"runtime"
	"strings"
	"time"

	"pbxws/acl"
)

// Config is the whole of pbxws's configuration, filled from flags, PBXWS_* environment
// variables and a configuration file, in that precedence. It is printed at start with
// secrets masked.
type Config struct {
	// HTTPAddr is the plain-HTTP listener ("" disables it).
	HTTPAddr string
	// HTTPSAddr is the HTTPS listener ("" disables it).
	HTTPSAddr string
	// TLSCert and TLSKey are PEM files; when empty a self-signed pair is generated in VarDir/tls.
	TLSCert string
	TLSKey  string
	// VarDir holds runtime state: the private PostgreSQL cluster and generated TLS material.
	VarDir string
	// DatabaseURL is a PostgreSQL URL; empty means "start a private cluster under VarDir/pg".
	DatabaseURL string `secret:"true"`
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed; empty means never.
	TrustedProxies []string
	// BodyLimit caps request bodies, in bytes (prompt uploads have their own limits).
	BodyLimit int
	// AudioMaxBytes caps each uploaded audio file (sipX prompts); AudioFamilyMaxBytes all
	// the files of one family (moh, pagegroups, orbits).
	AudioMaxBytes, AudioFamilyMaxBytes int
	// SoundsDir, when set, gets a copy of every stored audio file at <family>/<name> for a
	// media server (pbxws never reads it back).
	SoundsDir string
	// Hostname is the FQDN of this pbxws as sipX server 1 (default: the SIP domain): the
	// DNS advisor's SRV targets and A records name it.
	Hostname string
	// Realm is the HTTP/SIP authentication realm.
	Realm string
	// ShutdownTimeout bounds the graceful stop.
	ShutdownTimeout time.Duration
	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback).
	PprofAddr string
	// MetricsAddr, when set, serves Prometheus /metrics there (keep it on loopback or a
	// monitoring network).
	MetricsAddr string
	// DBMaxConns caps the connection pool (sized down at start to what the server has free).
	DBMaxConns int
	// DBWait is how long a start waits for a database that does not answer yet.
	DBWait time.Duration
	// MaxActive is how many web-service reads are served at once; the others wait in
	// arrival order, for at most MaxWait (then 503). 0 means two per processor, at least 4
	// and at most half of DBMaxConns. Writes have their own line of half of DBMaxConns (at
	// least MaxActive), so that each admitted request finds a free connection.
	MaxActive int
	MaxWait   time.Duration

	// SIPAddr is the SIP user agent's UDP (and TCP) address ("" disables SIP and click-to-call).
	SIPAddr string
	// SIPAdvertise is the host[:port] put in Via, Contact and SDP (default: the bound address).
	SIPAdvertise string
	// SIPDomain is the SIP domain (default: the advertised host).
	SIPDomain string
	// DNSResolver is the DNS server (address:port) the DNS advisor asks ("": the system's).
	DNSResolver string
	// SIPOutboundProxy, host:port, receives every INVITE pbxws originates.
	SIPOutboundProxy string
	// SIPTCP also serves SIP over TCP on SIPAddr.
	SIPTCP bool
	// SIPTLSAddr, when set, serves SIP over TLS (sips:) there with the HTTPS certificate.
	SIPTLSAddr string
	// SIPLegacyParams adds the sipXecs sipx-* parameters to originated Request-URIs.
	SIPLegacyParams bool
	// SIPRegistrar answers REGISTER for the SIP lines pbxws knows.
	SIPRegistrar bool
	// SIPRecordLease is how long another instance waits, after this one stops renewing a
	// call record with live dialogs (it died), before showing those dialogs terminated.
	SIPRecordLease time.Duration
	// SIPMinExpires and SIPMaxExpires bound the registration interval (seconds): shorter is
	// refused (423), longer is granted SIPMaxExpires.
	SIPMinExpires, SIPMaxExpires int
	// SIPSessionExpires is the RFC 4028 session interval of INVITE-mode legs (≤ 0: none).
	SIPSessionExpires time.Duration
	// SIPTxLinger is how long a completed SIP transaction over UDP absorbs retransmissions.
	SIPTxLinger time.Duration
	// SIPUserAgent is the User-Agent/Server of SIP messages (default pbxws/<version>).
	SIPUserAgent string
	// SIPInstance names this pbxws in the call records it owns (default host/SIP address).
	SIPInstance string
	// CCHTTPAddr and CCHTTPSAddr are the dedicated callcontroller listeners (sipXecs used
	// 6667 and 6666); "" disables them. /callcontroller is always on the main listeners too.
	CCHTTPAddr  string
	CCHTTPSAddr string
	// CCTrustedHosts are the addresses/CIDRs whose click-to-call requests need no
	// authentication; the outbound proxy's addresses are added to them.
	CCTrustedHosts []string
	// CCRemoteAccess false refuses click-to-call from hosts that are not trusted.
	CCRemoteAccess bool
	// CCAllowEmptyPin lets a user without a portal password authenticate with an empty one.
	CCAllowEmptyPin bool
	// MyCallForwarding lets the user's forwarding apply to /sipxconfig/rest/my/call.
	MyCallForwarding bool
	// SipxPhonebook is the name sipX's /phonebook resources give the XiVO phonebook.
	SipxPhonebook string
	// NonceLifetime bounds the HTTP Digest nonces users authenticate with.
	NonceLifetime time.Duration

	// Failed authentications (json.php accounts, users, SIP lines) are throttled per source
	// address and per login: AuthFreeFailures free, then AuthBackoff doubling to
	// AuthMaxBackoff; AuthBanAfter failures ban a source for AuthBanFor.
	AuthFreeFailures int
	AuthBackoff      time.Duration
	AuthMaxBackoff   time.Duration
	AuthBanAfter     int
	AuthBanFor       time.Duration

	// Program is how the operator ran pbxws, for the hints it logs ("" means "pbxws").
	Program string

	// ConfigFile is the TOML or YAML file the settings not given as flags or environment
	// variables come from ("" for none).
	ConfigFile string
	// LogFormat is text or json; LogLevel debug, info, warn or error.
	LogFormat string
	LogLevel  string
}

// throttleConfig is the failed-authentication policy of c.
func (c *Config) throttleConfig() acl.ThrottleConfig {
	return acl.ThrottleConfig{Free: c.AuthFreeFailures, Backoff: c.AuthBackoff, MaxBackoff: c.AuthMaxBackoff,
		BanAfter: c.AuthBanAfter, BanFor: c.AuthBanFor}
}

// activeLimit is MaxActive with its default applied: two requests per processor (one
// working while the other waits for the database), at least 4, and at most half the pool.
// More at once only lengthens the queue inside PostgreSQL and the scheduler, where it is
// not first come, first served.
func (c *Config) activeLimit() int {
	if c.MaxActive > 0 {
		return c.MaxActive
	}
	return max(1, min(c.DBMaxConns/2, max(4, 2*runtime.GOMAXPROCS(0))))
}

// writeLimit is how many writes are served at once: they spend most of their time waiting
// for commits, so half the pool (at least MaxActive's limit) share it.
func (c *Config) writeLimit() int {
	return max(c.activeLimit(), c.DBMaxConns/2)
}

// DefaultConfig returns the configuration `make run` uses when nothing is set.
func DefaultConfig() Config {
	t := acl.DefaultThrottleConfig()
	return Config{
		AuthFreeFailures:    t.Free,
		AuthBackoff:         t.Backoff,
		AuthMaxBackoff:      t.MaxBackoff,
		AuthBanAfter:        t.BanAfter,
		AuthBanFor:          t.BanFor,
		HTTPAddr:            "127.0.0.1:8080",
		HTTPSAddr:           "127.0.0.1:8443",
		VarDir:              "./var",
		SipxPhonebook:       "xivo",
		BodyLimit:           1 << 20,
		AudioMaxBytes:       20 << 20,
		AudioFamilyMaxBytes: 500 << 20,
		DBMaxConns:          16,
		MaxWait:             10 * time.Second,
		SIPAddr:             "127.0.0.1:5060",
		SIPTCP:              true,
		SIPLegacyParams:     true,
		SIPRegistrar:        true,
		SIPRecordLease:      2 * time.Minute,
		SIPMinExpires:       60,
		SIPMaxExpires:       3600,
		SIPTxLinger:         5 * time.Second,
		SIPSessionExpires:   30 * time.Minute,
		SIPUserAgent:        "pbxws/" + Version,
		CCTrustedHosts:      []string{"127.0.0.1", "::1"},
		CCRemoteAccess:      true,
		NonceLifetime:       5 * time.Minute,
		Realm:               "pbxws",
		ShutdownTimeout:     10 * time.Second,
		LogFormat:           "text",
		LogLevel:            "info",
	}
}

// MaskURL hides the password of a database URL or DSN, for printing.
func MaskURL(s string) string { return maskURL(s) }

// maskURL hides the password of a URL or of a key=value DSN.
func maskURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	parts := strings.Fields(s)
	for i, p := range parts {
		if strings.HasPrefix(p, "password=") {
			parts[i] = "password=xxxxx"
		}
	}
	return strings.Join(parts, " ")
}
