package commons

import (
	"strings"
	"testing"
)

func TestMarkdownLinkSchemes(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		bad       []string // none may appear in the HTML
		good      string   // must appear
	}{
		{"entity-encoded javascript", "[x](&#106;avascript:alert(1))", []string{"javascript", "alert"}, ">x</a>"},
		{"hex entities", "[x](&#x6A;&#x61;vascript:alert(1))", []string{"avascript"}, ">x</a>"},
		{"percent-encoded scheme", "[x](java%73cript:alert(1))", []string{"script:"}, ">x</a>"},
		{"tab inside the scheme", "[x](java&#9;script:alert(1))", []string{"script:"}, ">x</a>"},
		{"upper case", "[x](JAVASCRIPT:alert(1))", []string{"JAVASCRIPT"}, ">x</a>"},
		{"vbscript", "[x](vbscript:msgbox)", []string{"vbscript"}, ">x</a>"},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", []string{"data:"}, ">x</a>"},
		{"data image", "![pixel](data:image/svg+xml;base64,PHN2Zz4=)", []string{"data:", "<img"}, "pixel"},
		{"javascript image", "![a](javascript:alert(1))", []string{"javascript", "<img"}, "a"},
		{"mailto image", "![m](mailto:x@example.com)", []string{"<img"}, "m"},
		{"autolink", "<javascript:alert(1)>", []string{"href"}, "javascript:alert(1)"},
		{"reference link", "[x][r]\n\n[r]: &#106;avascript:alert(1)", []string{"avascript"}, ">x</a>"},
		{"https kept", "[x](https://docs.rs/x)", nil, `href="https://docs.rs/x"`},
		{"mailto kept", "[m](mailto:a@example.com)", nil, `href="mailto:a@example.com"`},
		{"relative kept", "[y](../y/index.html#z)", nil, `href="../y/index.html#z"`},
		{"colon after a slash is relative", "[p](a/b:c)", nil, `href="a/b:c"`},
		{"https image kept", "![badge](https://img.example/b.svg)", nil, `<img src="https://img.example/b.svg"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(markdown(tc.src))
			for _, b := range tc.bad {
				if strings.Contains(out, b) {
					t.Errorf("%q renders with %q: %s", tc.src, b, out)
				}
			}
			if !strings.Contains(out, tc.good) {
				t.Errorf("%q renders without %q: %s", tc.src, tc.good, out)
			}
		})
	}
}
