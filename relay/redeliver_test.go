package relay

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
)

// TestRedeliveryAfterOutage: pushes GitHub could not deliver while the relay
// was down are redelivered when it starts (GitHub never retries by itself):
// each becomes one job; a delivery that did arrive is not asked for again.
func TestRedeliveryAfterOutage(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the relay is down
	e.gh.SetWebhook("http://"+addr+"/webhook", testSecret)
	for _, repo := range []string{"alpha", "beta"} {
		b, _ := json.Marshal(pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo]))
		if code := e.gh.Deliver(newDelivery(), "push", b); code != 0 {
			t.Fatalf("delivery to a relay that is down: %d", code)
		}
	}
	r := startRelay(t, e, relayOpts{addr: addr, deps: Deps{Build: holdBuild}, cfg: func(c *config.Config) { c.RedeliverInterval = time.Hour }})
	// The fake records a redelivery once the relay has answered it.
	waitFor(t, "the missed pushes redelivered as jobs", 30*time.Second, func() bool {
		return len(allJobs(t, r.Server)) == 2 && e.gh.Redeliveries() == 2
	})
	// A delivery that arrives, and the ones redelivered, are not asked again.
	b, _ := json.Marshal(pushPayload("acme/gamma", "refs/heads/main", e.shas["acme/gamma"]))
	if code := e.gh.Deliver(newDelivery(), "push", b); code != http.StatusAccepted {
		t.Fatalf("delivery to the running relay: %d", code)
	}
	if n := r.redeliverMissed(context.Background()); n != 0 {
		t.Errorf("second sweep asked for %d redeliveries, want 0", n)
	}
	if n := len(allJobs(t, r.Server)); n != 3 {
		t.Errorf("%d jobs, want 3 (one per push)", n)
	}
}
