// Command pbxws-ws is a command-line client of XiVO json.php web services in the spirit of
// xivo-ws-debug: it speaks to pbxws or to a real XiVO exactly as xivo-ws does.
//
//	pbxws-ws [flags] <service> list|search <pattern>|view [id]|add|edit [id]|delete <id>|deleteall
//	pbxws-ws [flags] check
//	pbxws-ws services
//
// It talks to the local pbxws (http://127.0.0.1:8080) unless told otherwise. Every flag has
// an environment twin PBXWS_WS_<FLAG> (PBXWS_WS_HOST, PBXWS_WS_USER, PBXWS_WS_PASSWORD, …).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"

	wsclient "pbxws/ws-client"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// defaultBaseURL is the local pbxws's plain-HTTP listener (make run).
const defaultBaseURL = "http://127.0.0.1:8080"

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pbxws-ws", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// Every flag has an environment twin, PBXWS_WS_<FLAG>; defaults never come from the
	// environment, so -h never prints a password.
	envName := func(f string) string { return "PBXWS_WS_" + strings.ToUpper(strings.ReplaceAll(f, "-", "_")) }
	usage := func(name, text string) string { return text + " [" + envName(name) + "]" }
	host := fs.String("host", "", usage("host", "server host[:port], as xivo-ws takes it: https, except plain http for localhost and 127.0.0.1 (with or without a port)"))
	user := fs.String("user", "", usage("user", "web-service login"))
	password := fs.String("password", "", usage("password", "web-service password (prefer the environment variable: flags are visible to other local users)"))
	base := fs.String("base-url", "", usage("base-url", "full scheme://host:port, overriding --host (default "+defaultBaseURL+", the local pbxws, when neither is given)"))
	forceHTTP := fs.Bool("http", false, usage("http", "plain HTTP whatever the host"))
	ca := fs.String("ca", "", usage("ca", "PEM file of certificates to trust (pbxws's own: var/tls/cert.pem)"))
	insecure := fs.Bool("insecure", false, usage("insecure", "do not verify the server certificate"))
	file := fs.String("file", "", usage("file", "add/edit body: a JSON file, or - for stdin (default: $EDITOR)"))
	verbose := fs.Bool("v", false, usage("v", "show the HTTP exchange on stderr"))
	asJSON := fs.Bool("json", false, usage("json", "print answers as JSON instead of tables"))
	timeout := fs.Duration("timeout", 60*time.Second, usage("timeout", "per-request timeout"))
	printUsage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: pbxws-ws [flags] <service> list|search <pattern>|view [id]|add|edit [id]|delete <id>|deleteall")
		fmt.Fprintln(w, "       pbxws-ws [flags] check | pbxws-ws services | pbxws-ws <service> -h")
		fmt.Fprintln(w, "\nflags (each also read from the environment variable in brackets):")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.Usage = func() { printUsage(stdout) }
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("PBXWS_WS")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "pbxws-ws: %v\n(pbxws-ws -h lists the flags)\n", err)
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		printUsage(stderr)
		return 2
	}
	if *host == "" && *base == "" {
		*base = defaultBaseURL
	}
	if h, _, err := net.SplitHostPort(*host); err == nil && (h == "localhost" || h == "127.0.0.1") {
		// The local pbxws's plain port: xivo-ws's rule only knew the bare names.
		*forceHTTP = true
	}
	if *host == "" {
		*host = strings.TrimPrefix(strings.TrimPrefix(*base, "http://"), "https://")
	}
	opts := []wsclient.Option{wsclient.WithTimeout(*timeout)}
	if *base != "" {
		opts = append(opts, wsclient.WithBaseURL(*base))
	}
	if *forceHTTP {
		opts = append(opts, wsclient.WithHTTP())
	}
	if *ca != "" {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			fmt.Fprintln(stderr, "pbxws-ws:", err)
			return 1
		}
		opts = append(opts, wsclient.WithCA(pem))
	}
	if *insecure {
		opts = append(opts, wsclient.WithInsecureTLS())
	}
	c := wsclient.New(*host, *user, *password, opts...)
	if *verbose {
		c.Trace = func(method, url string, req []byte, status int, resp []byte) {
			fmt.Fprintf(stderr, "> %s %s\n", method, url)
			if len(req) > 0 {
				fmt.Fprintf(stderr, "> %s\n", req)
			}
			fmt.Fprintf(stderr, "< %d (%d bytes)\n", status, len(resp))
			if len(resp) > 0 && len(resp) < 4096 {
				fmt.Fprintf(stderr, "< %s\n", strings.TrimSpace(string(resp)))
			}
		}
	}
	ctx := context.Background()
	switch rest[0] {
	case "services":
		for _, n := range wsclient.ServiceNames() {
			fmt.Fprintln(stdout, n)
		}
		return 0
	case "check":
		ok, err := c.CheckWS(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "pbxws-ws:", err)
			return 1
		}
		fmt.Fprintln(stdout, map[bool]string{true: "credentials accepted", false: "credentials refused"}[ok])
		if !ok {
			return 1
		}
		return 0
	}
	svc := c.Service(rest[0])
	if svc == nil {
		fmt.Fprintf(stderr, "pbxws-ws: unknown service %q (pbxws-ws services lists them)\n", rest[0])
		return 2
	}
	if len(rest) > 1 && (rest[1] == "-h" || rest[1] == "-help" || rest[1] == "--help" || rest[1] == "help") {
		fmt.Fprintf(stdout, "usage: pbxws-ws [flags] %s ACTION\n\n%s is %s\nactions: %s\n", svc.Name, svc.Name, svc.Path, strings.Join(svc.Actions, ", "))
		return 0
	}
	if len(rest) < 2 {
		fmt.Fprintln(stderr, "pbxws-ws: give an action: list, search, view, add, edit, delete, deleteall")
		return 2
	}
	arg := ""
	if len(rest) > 2 {
		arg = rest[2]
	}
	var (
		out any
		err error
	)
	switch rest[1] {
	case "list":
		out, err = svc.RawList(ctx)
	case "search":
		out, err = svc.RawSearch(ctx, arg)
	case "view":
		out, err = svc.RawView(ctx, arg)
	case "add", "edit":
		var body any
		if body, err = readBody(*file, stdin, stderr); err == nil {
			if rest[1] == "add" {
				var id string
				if id, err = svc.RawAdd(ctx, body); err == nil {
					fmt.Fprintln(stdout, id)
				}
			} else if err = svc.RawEdit(ctx, arg, body); err == nil {
				fmt.Fprintln(stdout, "edited")
			}
		}
	case "delete":
		if arg == "" {
			fmt.Fprintln(stderr, "pbxws-ws: delete needs an id")
			return 2
		}
		if err = svc.RawDelete(ctx, arg); err == nil {
			fmt.Fprintln(stdout, "deleted")
		}
	case "deleteall":
		if err = svc.RawDeleteAll(ctx); err == nil {
			fmt.Fprintln(stdout, "deleted all")
		}
	default:
		fmt.Fprintf(stderr, "pbxws-ws: unknown action %q\n", rest[1])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "pbxws-ws:", err)
		return 1
	}
	if out != nil {
		if err := print(stdout, out, *asJSON); err != nil {
			fmt.Fprintln(stderr, "pbxws-ws:", err)
			return 1
		}
	}
	return 0
}

// readBody reads an add/edit body from a file, stdin ("-"), or $EDITOR.
func readBody(file string, stdin io.Reader, stderr io.Writer) (any, error) {
	var raw []byte
	var err error
	switch file {
	case "-":
		raw, err = io.ReadAll(stdin)
	case "":
		editor := os.Getenv("EDITOR")
		if editor == "" {
			return nil, errors.New("give the body with --file F, --file - (stdin), or set $EDITOR")
		}
		f, ferr := os.CreateTemp("", "pbxws-ws-*.json")
		if ferr != nil {
			return nil, ferr
		}
		defer os.Remove(f.Name())
		f.WriteString("{}\n")
		f.Close()
		cmd := exec.Command("sh", "-c", editor+` "$1"`, "editor", f.Name())
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("$EDITOR: %w", err)
		}
		raw, err = os.ReadFile(f.Name())
	default:
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	return body, nil
}

// print shows list answers as an aligned table of their most telling columns, objects as
// indented JSON, or everything as JSON with asJSON.
func print(w io.Writer, v any, asJSON bool) error {
	items, isList := v.([]map[string]any)
	if asJSON || !isList {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "(none)")
		return err
	}
	preferred := []string{"id", "uniqueid", "name", "firstname", "lastname", "displayname", "number", "exten", "confno", "mailbox", "context", "protocol", "ip", "mac", "entity"}
	var cols []string
	for _, k := range preferred {
		if _, ok := items[0][k]; ok {
			cols = append(cols, k)
		}
	}
	if len(cols) == 0 {
		for k := range items[0] {
			cols = append(cols, k)
		}
		sort.Strings(cols)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for _, it := range items {
		row := make([]string, len(cols))
		for i, k := range cols {
			row[i] = cell(it[k])
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func cell(v any) string {
	switch t := v.(type) {
	case nil:
		return "-"
	case string:
		if t == "" {
			return "-"
		}
		return t
	case map[string]any:
		if n, ok := t["name"]; ok {
			return cell(n)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
