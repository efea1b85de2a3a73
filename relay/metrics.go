package relay

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/doctown/doctown/relay/jobs"
)

// metrics are the relay's Prometheus series, on a registry of its own so several
// relays can live in one process (tests).
type metrics struct {
	reg           *prometheus.Registry
	webhooks      *prometheus.CounterVec
	transitions   *prometheus.CounterVec
	dispatch      *prometheus.HistogramVec
	upload        *prometheus.HistogramVec
	storageErrors *prometheus.CounterVec
	checkRuns     *prometheus.CounterVec
	previews      prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doctown_relay_webhooks_total",
			Help: "Webhook deliveries by event and result (accepted, duplicate: a delivery seen before or a commit that already has a job, ignored, bad_signature, too_large, bad_request, unavailable, error).",
		}, []string{"event", "result"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doctown_relay_job_transitions_total",
			Help: "Job state changes made by this relay, by the state entered.",
		}, []string{"state"}),
		dispatch: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "doctown_relay_dispatch_seconds",
			Help:    "Time from dispatching a build to its end, by dispatcher and result.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
		}, []string{"dispatcher", "result"}),
		upload: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "doctown_relay_upload_seconds",
			Help:    "Time to receive, validate and store an uploaded docpack, by result.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 12),
		}, []string{"result"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doctown_relay_storage_errors_total",
			Help: "Failed storage operations by operation.",
		}, []string{"op"}),
		checkRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doctown_relay_check_runs_total",
			Help: "Check-run writes to GitHub by operation (create, update) and result (ok, error: the App lacks checks: write, GitHub unavailable).",
		}, []string{"op", "result"}),
		previews: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "doctown_relay_previews_expired_total",
			Help: "Pull-request previews removed after their pull request closed.",
		}),
	}
	m.reg.MustRegister(m.webhooks, m.transitions, m.dispatch, m.upload, m.storageErrors, m.checkRuns, m.previews,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// jobsCollector reports the number of jobs in each state from the database, so
// every replica sharing a database reports the same numbers.
type jobsCollector struct{ jobs *jobs.Store }

var jobsDesc = prometheus.NewDesc("doctown_relay_jobs", "Jobs by state.", []string{"state"}, nil)

func (jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.jobs.Count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for _, s := range jobs.States {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
