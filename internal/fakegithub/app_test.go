package fakegithub_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v88/github"

	"github.com/doctown/doctown/internal/fakegithub"
)

// TestAppFlow drives the App endpoints with the clients the relay uses:
// ghinstallation signs the JWT and exchanges it for an installation token, which
// go-github then uses.
func TestAppFlow(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})

	srv := fakegithub.New()
	defer srv.Close()
	srv.AddRepo("acme", "one", map[string][]byte{"Cargo.toml": []byte("[package]\nname=\"one\"\n")})
	srv.AddRepo("acme", "two", nil)
	srv.AddRepo("acme", "secret", nil)
	srv.Update("acme", "secret", func(r *fakegithub.Repo) { r.Private = true })
	srv.SetApp(77, &key.PublicKey)
	srv.AddInstallation(9, "acme", "acme/one", "acme/two")
	base := strings.TrimSuffix(srv.URL, "/")

	// The app's own endpoint: which installation covers a repository.
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, 77, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = base
	app, _ := gh.NewClient(gh.WithHTTPClient(&http.Client{Transport: atr}), gh.WithURLs(&srv.URL, &srv.URL))
	inst, _, err := app.Apps.GetRepositoryInstallation(t.Context(), "acme", "two")
	if err != nil || inst.GetID() != 9 || inst.GetAccount().GetLogin() != "acme" {
		t.Fatalf("installation = %+v, %v", inst, err)
	}
	if _, _, err := app.Apps.GetRepositoryInstallation(t.Context(), "acme", "secret"); err == nil {
		t.Error("found an installation for a repository outside it")
	}

	// Installation token → list repositories, read a private one it cannot see.
	itr := ghinstallation.NewFromAppsTransport(atr, 9)
	itr.BaseURL = base
	client, _ := gh.NewClient(gh.WithHTTPClient(&http.Client{Transport: itr}), gh.WithURLs(&srv.URL, &srv.URL))
	repos, _, err := client.Apps.ListRepos(t.Context(), nil)
	if err != nil || repos.GetTotalCount() != 2 {
		t.Fatalf("repos = %+v, %v", repos, err)
	}
	tok, err := itr.Token(t.Context())
	if err != nil || !strings.HasPrefix(tok, "ghs_") {
		t.Fatalf("token = %q, %v", tok, err)
	}
	if _, _, err := client.Repositories.Get(t.Context(), "acme", "secret"); err == nil {
		t.Error("installation token read a repository outside the installation")
	}

	// A JWT signed by another key is refused.
	bad, err := ghinstallation.New(http.DefaultTransport, 77, 9, otherPEM)
	if err != nil {
		t.Fatal(err)
	}
	bad.BaseURL = base
	if _, err := bad.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("forged JWT: err = %v", err)
	}
}
