// Package metrics holds pbxws's Prometheus metrics (github.com/prometheus/client_golang):
// one declaration each, updated where the thing happens (web, acl, sip) and served on the
// -metrics listener. It imports nothing of pbxws.
package metrics

import "github.com/prometheus/client_golang/prometheus"

// latency buckets, seconds: from a cached read (~1 ms) to a request that waited -max-wait.
var latency = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

var (
	// Requests counts answered HTTP requests by façade (json.php, callcontroller, sipx,
	// health, other), json.php section and act, and status code.
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_http_requests_total", Help: "HTTP requests answered, by facade, section, act and status.",
	}, []string{"facade", "section", "act", "status"})
	// RequestDuration is their latency.
	RequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "pbxws_http_request_duration_seconds", Help: "HTTP request latency, by facade, section, act and status.",
		Buckets: latency,
	}, []string{"facade", "section", "act", "status"})

	// AdmissionWaiting is how many requests wait in each admission line (reads, writes).
	AdmissionWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "pbxws_admission_waiting", Help: "Requests waiting for their turn, by line (read, write).",
	}, []string{"line"})
	// AdmissionWait is how long admitted and refused requests waited.
	AdmissionWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "pbxws_admission_wait_seconds", Help: "Time spent waiting for a turn, by line and result (admitted, refused).",
		Buckets: latency,
	}, []string{"line", "result"})

	// CredentialCache counts lookups in the caches of verified credentials (accounts:
	// json.php web-service accounts; users: click-to-call users) by result (hit, miss).
	CredentialCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_credential_cache_total", Help: "Lookups of verified credentials, by cache (accounts, users) and result (hit, miss).",
	}, []string{"cache", "result"})
	// PhonebookReads counts the sipX phonebook reads by where they were answered from
	// (memory: the cache of models.PhonebookCache; database: its listener is down).
	PhonebookReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_phonebook_reads_total", Help: "sipX phonebook reads, by source (memory, database).",
	}, []string{"source"})
	// PhoneSettingsReads counts the sipX phone settings reads by where they were answered
	// from (memory: the phones' cache of models.PhoneStore; database: its listener is down).
	PhoneSettingsReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_phone_settings_reads_total", Help: "sipX phone settings reads, by source (memory, database).",
	}, []string{"source"})
	// BindingReads counts the reads of the whole bindings list (sipX /api/registrations) by
	// where they were answered from (memory: models' binding cache; database: its listener
	// is down, or a change's marker came back too late).
	BindingReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_binding_list_reads_total", Help: "Reads of the whole registrar binding list, by source (memory, database).",
	}, []string{"source"})
	// AuthFailures counts failed authentications by service (json.php, callcontroller, sip…).
	AuthFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_auth_failures_total", Help: "Failed authentications, by service.",
	}, []string{"service"})

	// CallSetups counts click-to-call calls placed (the first INVITE sent), by method;
	// its rate is the setups per second.
	CallSetups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_sip_call_setups_total", Help: "Click-to-call calls placed (first INVITE sent), by method (REFER, INVITE).",
	}, []string{"method"})
	// Calls counts calls by outcome: the calling party's final answer (answered, busy,
	// no_answer, failed), or unavailable (not registered) and not_placed (refused before
	// any INVITE).
	Calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_sip_calls_total", Help: "Click-to-call calls by method and outcome.",
	}, []string{"method", "outcome"})
	// Registrations counts REGISTER requests the registrar answered, by result (ok;
	// challenged: without or with wrong credentials; refused).
	Registrations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxws_sip_registrations_total", Help: "REGISTER requests answered by the registrar, by result.",
	}, []string{"result"})
)

func init() {
	// The gauges exist from the start, at 0.
	for _, line := range []string{"read", "write"} {
		AdmissionWaiting.WithLabelValues(line)
	}
}

// Collectors are the metrics above, for a registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{Requests, RequestDuration, AdmissionWaiting, AdmissionWait,
		CredentialCache, PhonebookReads, PhoneSettingsReads, BindingReads, AuthFailures, CallSetups, Calls, Registrations}
}

// CallOutcome names the outcome of a call from the calling party's final answer code.
func CallOutcome(code int) string {
	switch {
	case code >= 200 && code < 300:
		return "answered"
	case code == 486 || code == 600:
		return "busy"
	case code == 408 || code == 480 || code == 487:
		return "no_answer"
	}
	return "failed"
}
