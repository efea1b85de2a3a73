package relay

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/secret"
)

// testDatabaseURL creates a fresh database on DOCTOWN_TEST_DATABASE_URL's
// server (see .ci/postgres.sh) and returns its URL; it skips without the
// variable, unless DOCTOWN_REQUIRE_ALL=1.
func testDatabaseURL(t *testing.T) string {
	t.Helper()
	base := testPostgresServer(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	name := "relay_" + secret.Hex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestEndToEndPostgresTwoRelays runs the end-to-end flow with two relays sharing
// one PostgreSQL queue: webhooks go to either, and every commit is built by
// exactly one of them.
func TestEndToEndPostgresTwoRelays(t *testing.T) {
	dbURL := testDatabaseURL(t)
	e := newEnv(t)
	bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
	one := startRelay(t, e, relayOpts{databaseURL: dbURL, deps: Deps{Build: bc.Build}})
	two := startRelay(t, e, relayOpts{databaseURL: dbURL, deps: Deps{Build: bc.Build}})
	if one.q.Dialect() != "postgres" {
		t.Fatalf("queue is %s", one.q.Dialect())
	}
	sendBuildWebhooks(t, one, e)
	// The same push delivered to the other replica is a duplicate.
	code, body := two.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", e.shas["acme/gamma"])))
	if code != 202 || !strings.Contains(body, `"duplicate":true`) {
		t.Errorf("push to the second relay: %d %s", code, body)
	}
	waitAllDone(t, two.Server, 3)
	for _, r := range []*testRelay{one, two} {
		checkCommons(t, r.Server, r.URL, e)
	}
	counts := bc.counts()
	for _, full := range []string{"acme/alpha", "acme/beta", "acme/gamma"} {
		if n := counts[full+"@"+e.shas[full]]; n != 1 {
			t.Errorf("%s built %d times, want exactly once", full, n)
		}
	}
}

// testPostgresServer returns DOCTOWN_TEST_DATABASE_URL; it skips without it,
// unless DOCTOWN_REQUIRE_ALL=1.
func testPostgresServer(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DOCTOWN_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("DOCTOWN_TEST_DATABASE_URL is not set (run .ci/postgres.sh)")
		}
		t.Skip("DOCTOWN_TEST_DATABASE_URL is not set (run .ci/postgres.sh)")
	}
	return base
}
