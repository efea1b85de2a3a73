package components

import "testing"

func TestCleanRustdoc(t *testing.T) {
	in := "See [`Error`][crate::Error].\n\n```\n# use anyhow::Result;\nlet x = 1;\n#\n```\n\n```text\n# kept\n```"
	want := "See `Error`.\n\n```\nlet x = 1;\n```\n\n```text\n# kept\n```"
	if got := cleanRustdoc(in); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
