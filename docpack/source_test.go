package docpack

import "testing"

func TestSourceURL(t *testing.T) {
	gh := Repository{URL: "https://github.com/serde-rs/serde", CommitSHA: "abc123"}
	tests := []struct {
		repo      Repository
		file      string
		line, end int
		want      string
	}{
		{gh, "serde/src/de/mod.rs", 10, 20, "https://github.com/serde-rs/serde/blob/abc123/serde/src/de/mod.rs#L10-L20"},
		{gh, "src/lib.rs", 5, 5, "https://github.com/serde-rs/serde/blob/abc123/src/lib.rs#L5"},
		{gh, "src/a b.rs", 1, 0, "https://github.com/serde-rs/serde/blob/abc123/src/a%20b.rs#L1"},
		{Repository{URL: "https://github.com/o/r.git/", CommitSHA: "s"}, "x.rs", 1, 2, "https://github.com/o/r/blob/s/x.rs#L1-L2"},
		{Repository{URL: "https://gitlab.com/o/r", CommitSHA: "s"}, "x.rs", 1, 2, "https://gitlab.com/o/r/-/blob/s/x.rs#L1-2"},
		{Repository{URL: "https://github.com/o/r"}, "x.rs", 1, 2, ""},                  // no commit: no stable link
		{Repository{URL: "javascript:alert(1)", CommitSHA: "s"}, "x.rs", 1, 2, ""},     // not http(s)
		{Repository{URL: "https://example.com/o/r", CommitSHA: "s"}, "x.rs", 1, 2, ""}, // unknown host scheme
		{Repository{URL: "", CommitSHA: "s"}, "x.rs", 1, 2, ""},
		// A crate of a workspace: its files are relative to its directory.
		{Repository{URL: "https://github.com/tokio-rs/tokio", CommitSHA: "s", Path: "tokio"}, "src/lib.rs", 3, 0, "https://github.com/tokio-rs/tokio/blob/s/tokio/src/lib.rs#L3"},
	}
	for _, tt := range tests {
		if got := SourceURL(tt.repo, tt.file, tt.line, tt.end); got != tt.want {
			t.Errorf("SourceURL(%q, %q, %d, %d) = %q, want %q", tt.repo.URL, tt.file, tt.line, tt.end, got, tt.want)
		}
	}
}

func TestSymbolLocation(t *testing.T) {
	repo := Repository{URL: "https://github.com/o/r", CommitSHA: "abc"}
	own := Symbol{File: "src/map.rs", Line: 188, EndLine: 210}
	inl := Symbol{File: "src/metadata.rs", Line: 12, InlinedFrom: &InlinedFrom{Crate: "tracing_core", Version: "0.1.30", Path: "tracing_core::Level"}}
	for _, c := range []struct {
		s        Symbol
		loc, url string
	}{
		{own, "src/map.rs:188-210", "https://github.com/o/r/blob/abc/src/map.rs#L188-L210"},
		{Symbol{File: "src/lib.rs"}, "src/lib.rs", "https://github.com/o/r/blob/abc/src/lib.rs"},
		{Symbol{}, "", ""},
		{inl, "tracing_core 0.1.30 src/metadata.rs:12", ""},
	} {
		if got := c.s.Location(); got != c.loc {
			t.Errorf("Location() = %q, want %q", got, c.loc)
		}
		if got := SymbolSourceURL(repo, &c.s); got != c.url {
			t.Errorf("SymbolSourceURL = %q, want %q", got, c.url)
		}
	}
}

func TestWebURL(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"https://github.com/rust-random/rand", "https://github.com/rust-random/rand"},
		{"https://github.com/rust-random/rand.git", "https://github.com/rust-random/rand"},
		{"git@github.com:tokio-rs/tokio.git", "https://github.com/tokio-rs/tokio"},
		{"ssh://git@github.com:22/tokio-rs/tokio.git", "https://github.com/tokio-rs/tokio"},
		{"git://github.com/o/r", "https://github.com/o/r"},
		// Credentials in a remote never reach a docpack.
		{"https://x-access-token:ghs_SECRET@github.com/o/r.git", "https://github.com/o/r"},
		{"https://ghp_SECRET@github.com/o/r?token=SECRET#frag", "https://github.com/o/r"},
		{"https://github.com/rust-lang/futures-rs/tree/master/futures-util", "https://github.com/rust-lang/futures-rs"},
		{"https://gitlab.com/group/sub/repo/-/tree/main", "https://gitlab.com/group/sub/repo"},
		{"/home/me/src/repo", ""},
		{"../repo", ""},
		{"file:///srv/git/repo.git", ""},
		{"C:\\src\\repo", ""},
		{"", ""},
	} {
		if got := WebURL(tt.remote); got != tt.want {
			t.Errorf("WebURL(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
