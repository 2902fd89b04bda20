package web

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pbxws/metrics"
)

// startMetrics serves Prometheus /metrics on its own listener (-metrics, off by default):
// pbxws's metrics, the database pool, live SIP dialogs, and the Go runtime and process.
func (s *Server) startMetrics() error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.Collectors()...)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(s.db.DB, "pbxws"))
	if s.sip != nil {
		agent := s.sip
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxws_sip_dialogs_alive", Help: "SIP dialogs this instance has in progress.",
		}, func() float64 { return float64(agent.DialogsAlive()) }))
		registrations := s.stores.Registrations
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxws_sip_registrations_active", Help: "Unexpired phone registrations (all instances: they share the table).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := registrations.Active(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	s.metricsLn = ln
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ms.Serve(ln) }()
	s.closers = append(s.closers, ms.Shutdown)
	return nil
}

// MetricsAddr is the bound /metrics address ("" when disabled).
func (s *Server) MetricsAddr() string { return addrOf(s.metricsLn) }
