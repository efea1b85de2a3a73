package cli

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRelayClientSendsTokenToTheRelayOnly: GITHUB_TOKEN goes to the relay's
// host as a bearer token, and not to any other host the client is sent to.
func TestRelayClientSendsTokenToTheRelayOnly(t *testing.T) {
	got := map[string]string{}
	srv := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got[name] = r.Header.Get("Authorization") }))
		t.Cleanup(s.Close)
		return s
	}
	relay, other := srv("relay"), srv("other")
	c := relayClient(func(k string) string {
		if k == "GITHUB_TOKEN" {
			return "ghu_user"
		}
		return ""
	}, relay.URL)
	for _, u := range []string{relay.URL + "/api/docpacks", other.URL + "/x"} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got["relay"] != "Bearer ghu_user" || got["other"] != "" {
		t.Errorf("Authorization: relay %q, other host %q", got["relay"], got["other"])
	}
}
