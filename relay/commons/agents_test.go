package commons

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// TestAgentText serves llms.txt, llms-full.txt, module Markdown and an item's
// Markdown, and checks that every link in llms.txt is a page the relay serves.
func TestAgentText(t *testing.T) {
	f := newFixture(t, Options{})
	base := "/r/octo/hello/" + shaNew + "/"
	resp, llms := f.get(t, base+"llms.txt")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("llms.txt: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"# hello\n", "## hello\n", "- [hello::net](" + base + "md/hello/net.md)", "[Full text](" + base + "llms-full.txt)"} {
		if !strings.Contains(llms, want) {
			t.Errorf("llms.txt lacks %q:\n%s", want, llms)
		}
	}
	links := 0
	for _, line := range strings.Split(llms, "\n") {
		_, rest, ok := strings.Cut(line, "](")
		if !ok {
			continue
		}
		link, _, _ := strings.Cut(rest, ")")
		links++
		if r, body := f.get(t, link); r.StatusCode != http.StatusOK || body == "" {
			t.Errorf("llms.txt links %s: %d", link, r.StatusCode)
		}
	}
	if links < 3 {
		t.Errorf("llms.txt has %d links", links)
	}
	resp, md := f.get(t, base+"md/hello/net.md")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") {
		t.Fatalf("module markdown: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"# Module hello::net", "## Struct `Client`", "A network client.", "Method `connect`"} {
		if !strings.Contains(md, want) {
			t.Errorf("module markdown lacks %q:\n%s", want, md)
		}
	}
	_, full := f.get(t, base+"llms-full.txt")
	if !strings.Contains(full, "Opens a connection to `addr`.") {
		t.Errorf("llms-full.txt lacks the method's doc")
	}
	id := docpack.NewID("hello", "hello::net::Client", docpack.KindStruct, 0)
	resp, item := f.get(t, base+"s/"+id+".md")
	if resp.StatusCode != http.StatusOK || !strings.Contains(item, "pub struct Client") || strings.Contains(item, "<a id=") {
		t.Errorf("item markdown: %d\n%s", resp.StatusCode, item)
	}
	// The HTML page is still there at the id without ".md".
	if resp, body := f.get(t, base+"s/"+id); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("symbol page: %d", resp.StatusCode)
	}
	for _, p := range []string{base + "md/nope.md", base + "s/nope.md", "/r/octo/nope/" + shaNew + "/llms.txt", "/r/ghost/gone/" + shaMissing + "/llms.txt"} {
		if resp, _ := f.get(t, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}
