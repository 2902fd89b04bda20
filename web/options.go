package web

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/fftoml"
	"github.com/peterbourgon/ff/v3/ffyaml"

	"pbxws/acl"
)

// option is one setting, declared once: its flag name (the environment twin is EnvName of
// it, the configuration-file key is the name itself, the printed key the name with "_" for
// "-"), its usage, the Config field it fills with that field's type and rules, and marks.
// The flags, the environment, the file, -h, the validation, the start-up print and the
// listen-address check all follow from the declarations in options.
type option struct {
	name, usage string
	value       optionValue
	// secret settings are masked when printed, and may also be read from a file named by
	// NAME-file / PBXWS_NAME_FILE (which wins over the value given in the environment or the
	// configuration file, not over the command line).
	secret bool
	scope  scope
	// show is the printed value, when it is not the value itself.
	show func() any
	// listen gives the networks a listen address is bound on while the setting is in use
	// (none: not in use), for the check that reports every taken port at once.
	listen func() []string
}

// scope says which commands take a setting.
type scope int

const (
	// serveOnly settings are taken by pbxws serve alone.
	serveOnly scope = iota
	// everyCommand settings (the log settings) are taken by every command.
	everyCommand
	// dataLocation settings say where the data is: every command takes them, and the hints
	// that print a command repeat them.
	dataLocation
)

// options declares every setting of c.
func (c *Config) options() []option {
	tcp := func() []string { return []string{"tcp"} }
	withSIP := func(networks ...string) func() []string {
		return func() []string {
			if c.SIPAddr == "" {
				return nil
			}
			return networks
		}
	}
	return []option{
		{name: "config", usage: "configuration file, TOML (.toml) or YAML (.yaml, .yml), keys named as the flags", value: text(&c.ConfigFile), scope: dataLocation},
		{name: "var-dir", usage: "runtime state folder (private PostgreSQL cluster, TLS material)", value: text(&c.VarDir, notEmpty), scope: dataLocation},
		{name: "database-url", usage: "PostgreSQL URL (empty: private cluster under var-dir/pg)", value: text(&c.DatabaseURL), secret: true, scope: dataLocation,
			show: func() any {
				if c.DatabaseURL == "" {
					return "(private cluster under " + c.VarDir + "/pg)"
				}
				return maskURL(c.DatabaseURL)
			}},
		{name: "log-format", usage: "log format: text or json", value: text(&c.LogFormat, oneOf("text", "json")), scope: everyCommand},
		{name: "log-level", usage: "log level: debug, info, warn or error", value: text(&c.LogLevel, logLevel), scope: everyCommand},
		{name: "http", usage: "plain HTTP listen address (empty disables)", value: text(&c.HTTPAddr, listenAddress), listen: tcp},
		{name: "https", usage: "HTTPS listen address (empty disables)", value: text(&c.HTTPSAddr, listenAddress), listen: tcp},
		{name: "tls-cert", usage: "TLS certificate PEM file", value: text(&c.TLSCert, pairedWith(&c.TLSKey, "tls-key"))},
		{name: "tls-key", usage: "TLS key PEM file", value: text(&c.TLSKey, pairedWith(&c.TLSCert, "tls-cert"))},
		{name: "trusted-proxies", usage: "comma-separated addresses or CIDRs allowed to set X-Forwarded-For", value: list(&c.TrustedProxies, addressesOrCIDRs)},
		{name: "body-limit", usage: "maximum request body in bytes", value: count(&c.BodyLimit, atLeast(1))},
		{name: "audio-max-bytes", usage: "maximum size of one uploaded audio file (sipX prompts), in bytes", value: count(&c.AudioMaxBytes, atLeast(1))},
		{name: "audio-family-max-bytes", usage: "maximum size of all the audio files of one prompt family, in bytes", value: count(&c.AudioFamilyMaxBytes, atLeast(1))},
		{name: "sounds-dir", usage: "folder that gets a copy of every stored audio file, as <family>/<name> (empty: none)", value: text(&c.SoundsDir)},
		{name: "hostname", usage: "FQDN of this pbxws as sipX server 1 (default: the SIP domain)", value: text(&c.Hostname, dnsName)},
		{name: "sipx-phonebook", usage: "the name sipX's /phonebook resources give the XiVO phonebook", value: text(&c.SipxPhonebook, bookName)},
		{name: "realm", usage: "authentication realm (HTTP Digest and SIP)", value: text(&c.Realm, notEmpty, quotable)},
		{name: "shutdown-timeout", usage: "graceful shutdown bound", value: duration(&c.ShutdownTimeout, atLeast[time.Duration](0))},
		{name: "pprof", usage: "profiling listen address, e.g. 127.0.0.1:6060 (empty disables)", value: text(&c.PprofAddr, listenAddress), listen: tcp},
		{name: "metrics", usage: "Prometheus /metrics listen address, e.g. 127.0.0.1:9464 (empty disables)", value: text(&c.MetricsAddr, listenAddress), listen: tcp},
		{name: "db-max-conns", usage: "database connection pool size (sized down to what the server has free)", value: count(&c.DBMaxConns, atLeast(1))},
		{name: "db-wait", usage: "how long a start waits for a database that does not answer yet", value: duration(&c.DBWait, atLeast[time.Duration](0))},
		{name: "max-active", usage: "web-service reads served at once, the others wait in arrival order (0: 2 per processor, 4 to db-max-conns/2); writes: db-max-conns/2", value: count(&c.MaxActive, atLeast(0)),
			show: func() any { return fmt.Sprintf("%d reads, %d writes", c.activeLimit(), c.writeLimit()) }},
		{name: "max-wait", usage: "how long a request waits for its turn before a 503", value: duration(&c.MaxWait, atLeast[time.Duration](0))},
		{name: "sip", usage: "SIP listen address, UDP and TCP (empty disables SIP and click-to-call)", value: text(&c.SIPAddr, listenAddress),
			listen: func() []string {
				if c.SIPTCP {
					return []string{"udp", "tcp"}
				}
				return []string{"udp"}
			}},
		{name: "sip-advertise", usage: "SIP host[:port] advertised in Via/Contact/SDP (default: the bound address)", value: text(&c.SIPAdvertise, hostWithOptionalPort)},
		{name: "sip-domain", usage: "SIP domain (default: the advertised host)", value: text(&c.SIPDomain, headerText)},
		{name: "dns-resolver", usage: "DNS server address:port the DNS advisor asks (empty: the system's resolver)", value: text(&c.DNSResolver, resolverAddress)},
		{name: "sip-outbound-proxy", usage: "host:port every originated INVITE goes through", value: text(&c.SIPOutboundProxy, hostWithOptionalPort)},
		{name: "sip-tcp", usage: "also serve SIP over TCP", value: boolean(&c.SIPTCP)},
		{name: "sip-tls", usage: "SIP over TLS address, e.g. 127.0.0.1:5061, with the HTTPS certificate (empty: off)", value: text(&c.SIPTLSAddr, listenAddress), listen: withSIP("tcp")},
		{name: "sip-legacy-params", usage: "add the sipXecs sipx-* parameters to originated Request-URIs", value: boolean(&c.SIPLegacyParams)},
		{name: "sip-registrar", usage: "answer REGISTER for the SIP lines pbxws knows", value: boolean(&c.SIPRegistrar)},
		{name: "sip-record-lease", usage: "how long a call record's live dialogs outlive an instance that died, as the other instances show them", value: duration(&c.SIPRecordLease)},
		{name: "sip-min-expires", usage: "shortest registration interval granted, in seconds (shorter: 423)", value: count(&c.SIPMinExpires, atLeast(0))},
		{name: "sip-max-expires", usage: "longest registration interval granted, in seconds", value: count(&c.SIPMaxExpires, atLeast(1), notBelow(&c.SIPMinExpires, "sip-min-expires"))},
		{name: "sip-session-expires", usage: "RFC 4028 session interval of INVITE-mode calls (0: no session timers)", value: duration(&c.SIPSessionExpires)},
		{name: "sip-tx-linger", usage: "how long a completed SIP transaction over UDP absorbs retransmissions (5s to 32s; RFC 3261 says 32s)", value: duration(&c.SIPTxLinger, atLeast(5*time.Second), atMost(32*time.Second))},
		{name: "sip-user-agent", usage: "User-Agent and Server header of SIP messages", value: text(&c.SIPUserAgent, headerText)},
		{name: "sip-instance", usage: "name of this pbxws in the call records it owns (default: host/SIP address)", value: text(&c.SIPInstance, headerText)},
		{name: "cc-http", usage: "dedicated plain-HTTP callcontroller listener, e.g. 127.0.0.1:6667 (empty disables)", value: text(&c.CCHTTPAddr, listenAddress), listen: withSIP("tcp")},
		{name: "cc-https", usage: "dedicated HTTPS callcontroller listener, e.g. 127.0.0.1:6666 (empty disables)", value: text(&c.CCHTTPSAddr, listenAddress), listen: withSIP("tcp")},
		{name: "cc-trusted-hosts", usage: "comma-separated addresses/CIDRs whose click-to-call requests need no authentication", value: list(&c.CCTrustedHosts, addressesOrCIDRs)},
		{name: "cc-remote-access", usage: "allow click-to-call from hosts that are not trusted", value: boolean(&c.CCRemoteAccess)},
		{name: "cc-allow-empty-pin", usage: "let users without a portal password authenticate", value: boolean(&c.CCAllowEmptyPin)},
		{name: "nonce-lifetime", usage: "life of the HTTP Digest nonces of user authentication", value: duration(&c.NonceLifetime, atLeast(time.Second))},
		{name: "my-call-forwarding", usage: "let the user's call forwarding apply to /sipxconfig/rest/my/call", value: boolean(&c.MyCallForwarding)},
		{name: "auth-free-failures", usage: "failed authentications a source or login may have before it must wait", value: count(&c.AuthFreeFailures, atLeast(0))},
		{name: "auth-backoff", usage: "first wait after the free failures; doubles with each further failure", value: duration(&c.AuthBackoff, atLeast[time.Duration](0))},
		{name: "auth-max-backoff", usage: "longest wait between failed authentications", value: duration(&c.AuthMaxBackoff, atLeast[time.Duration](0), notBelow(&c.AuthBackoff, "auth-backoff"))},
		{name: "auth-ban-after", usage: "failed authentications that ban a source address", value: count(&c.AuthBanAfter, atLeast(0))},
		{name: "auth-ban-for", usage: "how long a banned source address is refused", value: duration(&c.AuthBanFor, atLeast[time.Duration](0))},
	}
}

// EnvName is the environment twin of a flag.
func EnvName(flagName string) string {
	return "PBXWS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// printedName is a setting's key in the start-up print.
func printedName(flagName string) string { return strings.ReplaceAll(flagName, "-", "_") }

// OptionError is a setting whose value breaks its rule: it names the flag, the environment
// twin, where the value came from, and the rule.
type OptionError struct {
	Flag, Env string
	// Source is where the value came from: "" for the command line or the defaults,
	// "the environment", or "the configuration file NAME".
	Source string
	Rule   string
}

func (e *OptionError) Error() string {
	from := ""
	if e.Source != "" {
		from = ", from " + e.Source
	}
	return fmt.Sprintf("-%s (%s%s): %s", e.Flag, e.Env, from, e.Rule)
}

// Load fills c the way `pbxws serve` does: from args (-name value), then PBXWS_<NAME>
// environment variables, then the configuration file (-config FILE), over the defaults.
// getenv is kept for callers; the environment read is the process's (a variable set to
// the empty string is set).
func (c *Config) Load(args []string, getenv func(string) string) error {
	_ = getenv
	fs := c.FlagSet("pbxws serve", false)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c.Resolve(fs, true)
}

// FlagSet is a flag set holding the settings: all of them, or with databaseOnly only those
// every command takes (where the data is, and the log settings). Each usage names its
// environment twin.
func (c *Config) FlagSet(name string, databaseOnly bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.RegisterFlags(fs, databaseOnly)
	return fs
}

// RegisterFlags adds the settings to a subcommand's own flag set (see FlagSet). The values
// given are kept as text until Resolve, which checks them with those of the environment
// and the configuration file.
func (c *Config) RegisterFlags(fs *flag.FlagSet, databaseOnly bool) {
	for _, o := range c.options() {
		if databaseOnly && o.scope == serveOnly {
			continue
		}
		env := EnvName(o.name)
		kind := ""
		if !o.value.isBool() {
			// flag's -h shows the back-quoted word as the value's name.
			kind = ", `" + o.value.kind() + "`"
		}
		fs.Var(&optionFlag{opt: &o}, o.name, o.usage+" ["+env+kind+"]")
		if o.secret {
			fs.Var(&optionFlag{opt: &o, file: true}, o.name+"-file", "read "+o.name+" from this `file` ["+env+"_FILE]")
		}
	}
}

// optionFlag is a setting (or, with file, the file a secret is read from) in a flag set:
// it records the values the command line gives, for Resolve.
type optionFlag struct {
	opt   *option
	file  bool
	given []string
}

func (f *optionFlag) String() string {
	if f == nil || f.opt == nil || f.file {
		return ""
	}
	return f.opt.value.text()
}

func (f *optionFlag) Set(s string) error { f.given = append(f.given, s); return nil }

// IsBoolFlag lets a boolean setting be given as -name alone.
func (f *optionFlag) IsBoolFlag() bool {
	return f != nil && f.opt != nil && !f.file && f.opt.value.isBool()
}

// key is the setting's name in the file and the environment (NAME-file for a secret's file).
func (f *optionFlag) key() string {
	if f.file {
		return f.opt.name + "-file"
	}
	return f.opt.name
}

// Resolve completes a flag set whose command line has been parsed: each setting the command
// line did not give comes from its environment twin (set, even to the empty string: for a
// text or list setting the empty value is a value, "PBXWS_HTTPS=" turns HTTPS off; for the
// others it counts as unset), else from the configuration file, else keeps its default.
// Secrets named by *-file are read last, unless the secret itself was given on the command
// line. Every value is then checked against its setting's rules. strict refuses keys of the
// file that are not settings of this command (serve takes them all; the other commands
// skip those they do not take).
func (c *Config) Resolve(cmdline *flag.FlagSet, strict bool) error {
	flags := map[string]*optionFlag{}
	cmdline.VisitAll(func(f *flag.Flag) {
		if of, ok := f.Value.(*optionFlag); ok {
			flags[of.key()] = of
		}
	})
	given := map[string]bool{}
	cmdline.Visit(func(f *flag.Flag) {
		if of, ok := f.Value.(*optionFlag); ok {
			given[of.key()] = true
		}
	})
	// Each setting's values and their source, the command line first.
	type values struct {
		texts  []string
		source string
	}
	chosen := map[string]values{}
	for key, f := range flags {
		if given[key] {
			chosen[key] = values{texts: f.given}
		}
	}
	for key, f := range flags {
		if _, ok := chosen[key]; ok {
			continue
		}
		env := EnvName(key)
		if v, ok := os.LookupEnv(env); ok && (v != "" || !f.file && f.opt.value.emptyIsValue()) {
			chosen[key] = values{texts: []string{v}, source: "the environment"}
		}
	}
	// The configuration file, named on the command line or in PBXWS_CONFIG.
	if f := flags["config"]; f != nil {
		if v, ok := chosen["config"]; ok {
			if err := f.opt.value.set(v.texts); err != nil {
				return &OptionError{Flag: "config", Env: EnvName("config"), Source: v.source, Rule: err.Error()}
			}
		}
	}
	if c.ConfigFile != "" {
		file, err := c.readConfigFile(flags, strict)
		if err != nil {
			return err
		}
		for key, texts := range file {
			if _, ok := chosen[key]; !ok {
				chosen[key] = values{texts: texts, source: "the configuration file " + c.ConfigFile}
			}
		}
	}
	sources := map[string]string{}
	for key, f := range flags {
		v, ok := chosen[key]
		if !ok || f.file || key == "config" {
			continue
		}
		if err := f.opt.value.set(v.texts); err != nil {
			return &OptionError{Flag: key, Env: EnvName(key), Source: v.source, Rule: err.Error()}
		}
		sources[key] = v.source
	}
	for key, f := range flags {
		v, ok := chosen[key]
		if !f.file || !ok || given[f.opt.name] {
			continue
		}
		path := v.texts[len(v.texts)-1]
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return &OptionError{Flag: key, Env: EnvName(key), Source: v.source, Rule: err.Error()}
		}
		if err := f.opt.value.set([]string{strings.TrimRight(string(b), "\r\n")}); err != nil {
			return &OptionError{Flag: f.opt.name, Env: EnvName(f.opt.name), Source: "the file " + path, Rule: err.Error()}
		}
		sources[f.opt.name] = "the file " + path
	}
	return c.validate(func(name string) bool { return flags[name] != nil }, sources)
}

// readConfigFile reads the settings of the configuration file: each key's values, in
// order (an array gives several).
func (c *Config) readConfigFile(flags map[string]*optionFlag, strict bool) (map[string][]string, error) {
	var parse func(io.Reader, func(name, value string) error) error
	switch strings.ToLower(filepath.Ext(c.ConfigFile)) {
	case ".toml":
		parse = fftoml.Parser
	case ".yaml", ".yml":
		parse = ffyaml.Parser
	default:
		return nil, fmt.Errorf("configuration file %s: name it .toml or .yaml", c.ConfigFile)
	}
	f, err := os.Open(c.ConfigFile)
	if err != nil {
		return nil, &OptionError{Flag: "config", Env: EnvName("config"), Rule: err.Error()}
	}
	defer f.Close()
	known := map[string]bool{}
	for _, o := range c.options() {
		known[o.name] = true
		if o.secret {
			known[o.name+"-file"] = true
		}
	}
	out := map[string][]string{}
	err = parse(f, func(name, value string) error {
		switch {
		case name != "config" && flags[name] != nil:
			out[name] = append(out[name], value)
		case !strict:
			// A setting of serve, or a key of another program: not this command's.
		case name == "config":
			return fmt.Errorf("%q: a configuration file cannot name another", name)
		case !known[name]:
			return fmt.Errorf("%q is not a setting%s", name, closestSetting(name, known))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", c.ConfigFile, err)
	}
	return out, nil
}

// closestSetting suggests the setting a mistyped key meant.
func closestSetting(name string, known map[string]bool) string {
	best, dist := "", 3
	for k := range known {
		if d := acl.EditDistance(name, k); d < dist || d == dist && best != "" && k < best {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

// Validate checks every setting against its rules; the error names the first that breaks
// one (flag and environment twin) and the rule.
func (c *Config) Validate() error {
	return c.validate(func(string) bool { return true }, nil)
}

// validate checks the settings that taken says this command takes.
func (c *Config) validate(taken func(string) bool, sources map[string]string) error {
	for _, o := range c.options() {
		if !taken(o.name) {
			continue
		}
		if err := o.value.check(); err != nil {
			return &OptionError{Flag: o.name, Env: EnvName(o.name), Source: sources[o.name], Rule: err.Error()}
		}
	}
	return nil
}

// Masked is the configuration as printed at start: every setting under its printed name,
// every secret hidden.
func (c Config) Masked() map[string]any {
	out := map[string]any{}
	for _, o := range c.options() {
		switch {
		case o.show != nil:
			out[printedName(o.name)] = o.show()
		case o.secret:
			out[printedName(o.name)] = maskSecret(o.value.text())
		default:
			out[printedName(o.name)] = o.value.shown()
		}
	}
	return out
}

func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

// listenSetting is one listen address of the configuration and the setting that names it.
type listenSetting struct {
	flag, addr string
	networks   []string
}

// listenSettings are the listen addresses in use, from the declarations.
func (c Config) listenSettings() []listenSetting {
	var out []listenSetting
	for _, o := range c.options() {
		if o.listen == nil {
			continue
		}
		if networks := o.listen(); len(networks) > 0 {
			out = append(out, listenSetting{o.name, o.value.text(), networks})
		}
	}
	return out
}

// dataFlags are the flags a command needs to find this configuration's data ("" with the
// defaults): the settings that say where the data is and differ from their defaults.
func (c Config) dataFlags() string {
	defaults := DefaultConfig()
	def := map[string]string{}
	for _, o := range defaults.options() {
		def[o.name] = o.value.text()
	}
	var f []string
	for _, o := range c.options() {
		v := o.value.text()
		if o.scope != dataLocation || v == def[o.name] {
			continue
		}
		if o.secret {
			v = "<the same " + o.name + ">"
		}
		f = append(f, "-"+o.name+" "+shellQuote(v))
	}
	return strings.Join(f, " ")
}

// optionValue is a setting's typed binding to its Config field.
type optionValue interface {
	// set parses the values given (the last wins; a list takes them all) into the field.
	set(texts []string) error
	// text is the field's value as a flag would give it.
	text() string
	// shown is the field's value as printed.
	shown() any
	// check applies the setting's rules to the field's value.
	check() error
	// emptyIsValue says whether the empty text is a value (text and lists) rather than unset.
	emptyIsValue() bool
	isBool() bool
	// kind names the type in -h.
	kind() string
}

// typed binds a field of type T with its parser, printer and rules.
type typed[T any] struct {
	p      *T
	parse  func(texts []string) (T, error)
	format func(T) string
	show   func(T) any
	rules  []func(T) error
	empty  bool
	bool   bool
	name   string
}

func (t *typed[T]) set(texts []string) error {
	v, err := t.parse(texts)
	if err != nil {
		return err
	}
	*t.p = v
	return nil
}

func (t *typed[T]) text() string       { return t.format(*t.p) }
func (t *typed[T]) shown() any         { return t.show(*t.p) }
func (t *typed[T]) emptyIsValue() bool { return t.empty }
func (t *typed[T]) isBool() bool       { return t.bool }
func (t *typed[T]) kind() string       { return t.name }

func (t *typed[T]) check() error {
	for _, r := range t.rules {
		if err := r(*t.p); err != nil {
			return err
		}
	}
	return nil
}

func last(texts []string) string { return texts[len(texts)-1] }

func text(p *string, rules ...func(string) error) optionValue {
	return &typed[string]{p: p, empty: true, rules: rules, name: "string",
		parse:  func(texts []string) (string, error) { return last(texts), nil },
		format: func(s string) string { return s },
		show:   func(s string) any { return s }}
}

// list is a comma list, or repeated (a file's array): the values given replace the default.
func list(p *[]string, rules ...func([]string) error) optionValue {
	return &typed[[]string]{p: p, empty: true, rules: rules, name: "list",
		parse: func(texts []string) ([]string, error) {
			var out []string
			for _, t := range texts {
				out = append(out, splitList(t)...)
			}
			return out, nil
		},
		format: func(l []string) string { return strings.Join(l, ",") },
		show:   func(l []string) any { return l }}
}

func count(p *int, rules ...func(int) error) optionValue {
	return &typed[int]{p: p, rules: rules, name: "int",
		parse: func(texts []string) (int, error) {
			n, err := strconv.Atoi(strings.TrimSpace(last(texts)))
			if err != nil {
				return 0, fmt.Errorf("%q is not a whole number", last(texts))
			}
			return n, nil
		},
		format: strconv.Itoa,
		show:   func(n int) any { return n }}
}

func duration(p *time.Duration, rules ...func(time.Duration) error) optionValue {
	return &typed[time.Duration]{p: p, rules: rules, name: "duration",
		parse: func(texts []string) (time.Duration, error) {
			d, err := time.ParseDuration(strings.TrimSpace(last(texts)))
			if err != nil {
				return 0, fmt.Errorf("%q is not a duration (such as 500ms, 30s, 5m or 1h)", last(texts))
			}
			return d, nil
		},
		format: time.Duration.String,
		show:   func(d time.Duration) any { return d.String() }}
}

func boolean(p *bool) optionValue {
	return &typed[bool]{p: p, bool: true, name: "bool",
		parse: func(texts []string) (bool, error) {
			b, err := strconv.ParseBool(strings.TrimSpace(last(texts)))
			if err != nil {
				return false, fmt.Errorf("%q is neither true nor false", last(texts))
			}
			return b, nil
		},
		format: strconv.FormatBool,
		show:   func(b bool) any { return b }}
}

// splitList reads a comma list, ignoring empty entries.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// The rules. Each says what is wrong with the value it refuses.

func notEmpty(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func oneOf(allowed ...string) func(string) error {
	return func(s string) error {
		if slices.Contains(allowed, s) {
			return nil
		}
		return fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}

func logLevel(s string) error {
	if _, err := ParseLogLevel(s); err != nil {
		return fmt.Errorf("%q is not debug, info, warn or error", s)
	}
	return nil
}

// ParseLogLevel reads debug, info, warn or error.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

func atLeast[T int | time.Duration](least T) func(T) error {
	return func(v T) error {
		if v < least {
			return fmt.Errorf("%v is less than the least allowed, %v", v, least)
		}
		return nil
	}
}

func atMost[T int | time.Duration](most T) func(T) error {
	return func(v T) error {
		if v > most {
			return fmt.Errorf("%v is more than the most allowed, %v", v, most)
		}
		return nil
	}
}

// notBelow refuses a value below that of another setting.
func notBelow[T cmp.Ordered](other *T, name string) func(T) error {
	return func(v T) error {
		if v < *other {
			return fmt.Errorf("%v is less than -%s (%v)", v, name, *other)
		}
		return nil
	}
}

// pairedWith refuses a value given without the other setting of its pair.
func pairedWith(other *string, name string) func(string) error {
	return func(s string) error {
		if s != "" && *other == "" {
			return fmt.Errorf("needs -%s too", name)
		}
		return nil
	}
}

// listenAddress is empty (off) or host:port, the port a number from 0 to 65535 (0: any free
// port) or a service name; the host may be empty (every address).
func listenAddress(s string) error {
	if s == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	return checkPort(s, port)
}

// hostWithOptionalPort is empty, a host, or host:port.
func hostWithOptionalPort(s string) error {
	if s == "" {
		return nil
	}
	if err := headerText(s); err != nil {
		return err
	}
	if strings.ContainsAny(s, " \t") {
		return fmt.Errorf("%q is not a host or host:port", s)
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); ip != nil || !strings.Contains(s, ":") {
			return nil
		}
		return fmt.Errorf("%q is not a host or host:port", s)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	return checkPort(s, port)
}

func checkPort(addr, port string) error {
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return fmt.Errorf("%q: port %d is out of range (0 to 65535)", addr, n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: port %q is neither a number from 0 to 65535 nor a service name", addr, port)
	}
	return nil
}

func addressesOrCIDRs(l []string) error {
	for _, e := range l {
		if _, err := acl.ParseProxies([]string{e}); err != nil {
			return fmt.Errorf("%q is neither an address nor a CIDR", e)
		}
	}
	return nil
}

// dnsName is empty or a domain name: dot-separated labels of letters, digits and '-' (not
// at a label's ends), at most 253 characters, an optional final dot.
func dnsName(s string) error {
	n := strings.TrimSuffix(s, ".")
	if s == "" {
		return nil
	}
	bad := fmt.Errorf("%q is not a domain name (labels of letters, digits and '-', separated by dots)", s)
	if len(n) == 0 || len(n) > 253 {
		return bad
	}
	for _, l := range strings.Split(n, ".") {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return bad
		}
	}
	return nil
}

// resolverAddress is empty or an IP address and port number (a name would need a resolver).
func resolverAddress(s string) error {
	if s == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || net.ParseIP(host) == nil {
		return fmt.Errorf("%q is not address:port (an IP address and a port number)", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 1 to 65535", s)
	}
	return nil
}

// headerText goes into protocol headers as it is: no control characters.
func headerText(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q must not contain control characters", s)
		}
	}
	return nil
}

// bookName is a phonebook name as a URL path segment carries it.
func bookName(s string) error {
	if len(s) < 1 || len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return fmt.Errorf("%q must be 1 to 64 letters, digits, '.', '_' or '-'", s)
	}
	return nil
}

// quotable goes into a quoted header parameter (realm="…").
func quotable(s string) error {
	if err := headerText(s); err != nil {
		return err
	}
	if strings.ContainsAny(s, `"\`) {
		return fmt.Errorf("%q must not contain quotes or backslashes", s)
	}
	return nil
}
