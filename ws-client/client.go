package wsclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultUserAgent is what xivo-ws 16.05.0 sends.
const DefaultUserAgent = "xivo-ws/16.05.0"

// Client speaks to one server.
type Client struct {
	base      string
	user      string
	password  string
	userAgent string
	hc        *http.Client
	// Trace, when set, receives each exchange (method, URL, request body, status, answer).
	Trace func(method, url string, reqBody []byte, status int, respBody []byte)
}

// Option adjusts a Client.
type Option func(*Client)

// WithBaseURL overrides the scheme://host xivo-ws derives from the host.
func WithBaseURL(u string) Option { return func(c *Client) { c.base = strings.TrimRight(u, "/") } }

// WithHTTP forces plain HTTP (xivo-ws's force_http).
func WithHTTP() Option {
	return func(c *Client) { c.base = "http://" + strings.SplitN(c.base, "://", 2)[1] }
}

// WithCA trusts the PEM certificates of caPEM.
func WithCA(caPEM []byte) Option {
	return func(c *Client) {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		c.transport().TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
}

// WithCAPool trusts the certificates of pool.
func WithCAPool(pool *x509.CertPool) Option {
	return func(c *Client) {
		c.transport().TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
}

// WithInsecureTLS skips certificate verification (explicitly asked for only).
func WithInsecureTLS() Option {
	return func(c *Client) {
		c.transport().TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // opt-in
	}
}

// WithTimeout bounds each request.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.hc.Timeout = d } }

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithHTTPClient uses hc (its redirect policy is replaced: redirects are never followed).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

func (c *Client) transport() *http.Transport {
	t, ok := c.hc.Transport.(*http.Transport)
	if !ok {
		t = http.DefaultTransport.(*http.Transport).Clone()
		c.hc.Transport = t
	}
	return t
}

// New returns a client for host ("skaro", "localhost", "10.0.0.1:8443"): http only for
// exactly "localhost" or "127.0.0.1", https otherwise, as xivo-ws does. Basic credentials
// are sent on every request when both user and password are non-empty.
func New(host, user, password string, opts ...Option) *Client {
	scheme := "https"
	if host == "localhost" || host == "127.0.0.1" {
		scheme = "http"
	}
	c := &Client{
		base: scheme + "://" + host, user: user, password: password, userAgent: DefaultUserAgent,
		hc: &http.Client{Timeout: 60 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
	for _, o := range opts {
		o(c)
	}
	// A redirected POST would lose its body: never follow.
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.transport().DisableCompression = true
	return c
}

// BaseURL is scheme://host of the server.
func (c *Client) BaseURL() string { return c.base }

// HTTPError is a non-2xx answer, as xivo-ws's WebServiceRequestError.
type HTTPError struct {
	Status int
	Reason string
	URL    string
	Body   []byte
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s: %d %s", e.URL, e.Status, e.Reason)
	if len(e.Body) > 0 {
		msg += ": " + strings.TrimSpace(string(e.Body))
	}
	return msg
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == http.StatusNotFound
}

// StatusOf is the HTTP status of an answer error, or 0.
func StatusOf(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// do sends one request: GET without body, or POST with a JSON body (already encoded).
func (c *Client) do(ctx context.Context, method, path, query string, body []byte) ([]byte, int, error) {
	url := c.base + path
	if query != "" {
		url += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept-Encoding", "identity")
	req.Close = true // xivo-ws sends Connection: close
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" && c.password != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if c.Trace != nil {
		c.Trace(method, url, body, resp.StatusCode, raw)
	}
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		reason := strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)+" ")
		return raw, resp.StatusCode, &HTTPError{Status: resp.StatusCode, Reason: reason, URL: url, Body: raw}
	}
	return raw, resp.StatusCode, nil
}

// CheckWS reports whether the credentials are accepted: true on any 2xx, false on any HTTP
// error status; an error only when the server could not be reached.
func (c *Client) CheckWS(ctx context.Context) (bool, error) {
	_, _, err := c.do(ctx, http.MethodGet, "/xivo/configuration/json.php/restricted/check/", "", nil)
	var he *HTTPError
	if errors.As(err, &he) {
		return false, nil
	}
	return err == nil, err
}

// decodeList reads a list/search answer: empty body (204) is an empty list; anything else
// must be a JSON array of objects.
func decodeList(raw []byte) ([]map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("list answer is not JSON: %w", err)
	}
	switch t := v.(type) {
	case []any:
		out := make([]map[string]any, 0, len(t))
		for i, x := range t {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("list item %d is not an object", i)
			}
			out = append(out, m)
		}
		return out, nil
	case map[string]any:
		if len(t) == 0 {
			return nil, nil // {} reads as empty, as in xivo-ws
		}
		return nil, errors.New("list answer is an object, not an array")
	}
	return nil, fmt.Errorf("list answer is %T, not an array", v)
}

// decodeObject reads a view answer: it must be a JSON object.
func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("view answer is not a JSON object: %q", truncate(raw))
	}
	return m, nil
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
