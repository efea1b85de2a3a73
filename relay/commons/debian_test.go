package commons

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/debcrate/debpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/relay/store"
)

// debianCrate is a Debian-packaged crate served by the commons under
// debian/{Repo}, as if built from the repository at URL.
type debianCrate struct {
	Glob, Repo, URL string
	Config          rust.BuildConfig
}

// sha is the crate's made-up commit: stable, so page addresses are.
func (c debianCrate) sha() string {
	h := sha1.Sum([]byte(c.Glob))
	return hex.EncodeToString(h[:])
}

// page is the docpack's page path.
func (c debianCrate) page() string { return packPath("debian", c.Repo, c.sha()) }

var (
	serde     = debianCrate{Glob: "serde-1.*", Repo: "serde", URL: "https://github.com/serde-rs/serde"}
	hashbrown = debianCrate{Glob: "hashbrown-0.12*", Repo: "hashbrown", URL: "https://github.com/rust-lang/hashbrown"}
	syn       = debianCrate{Glob: "syn-1.*", Repo: "syn", URL: "https://github.com/dtolnay/syn"}
	rayon     = debianCrate{Glob: "rayon-1.*", Repo: "rayon", URL: "https://github.com/rayon-rs/rayon"}
	petgraph  = debianCrate{Glob: "petgraph-0.6*", Repo: "petgraph", URL: "https://github.com/petgraph/petgraph"}
	either    = debianCrate{Glob: "either-1.*", Repo: "either", URL: "https://github.com/bluss/either"}
	guard     = debianCrate{Glob: "scopeguard-1.*", Repo: "scopeguard", URL: "https://github.com/bluss/scopeguard"}
	regexSyn  = debianCrate{Glob: "regex-syntax-0.6*", Repo: "regex", URL: "https://github.com/rust-lang/regex"}
	rand      = debianCrate{Glob: "rand-0.8*", Repo: "rand", URL: "https://github.com/rust-random/rand"}
	chacha    = debianCrate{Glob: "rand_chacha-0.3*", Repo: "rand_chacha", URL: "https://github.com/rust-random/rand"}
	// winapi as docs.rs documents it: every feature, on Windows (145,198 symbols).
	winapi = debianCrate{Glob: "winapi-0.3*", Repo: "winapi", URL: "https://github.com/retep998/winapi-rs",
		Config: rust.BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}}
)

// builtPacks caches the docpacks built in this test process: winapi takes
// seconds of CPU to build.
var builtPacks struct {
	sync.Mutex
	dir   string
	files map[string]string
}

// debianPackFile builds c's docpack (offline, extractive docs, with
// debpack.Build) once per process and keeps it for the other tests, or skips
// when the crate is not installed.
func debianPackFile(tb testing.TB, c debianCrate) string {
	tb.Helper()
	builtPacks.Lock()
	defer builtPacks.Unlock()
	if f, ok := builtPacks.files[c.Glob]; ok {
		return f
	}
	if builtPacks.dir == "" {
		d, err := os.MkdirTemp("", "doctown-commons-debian-")
		if err != nil {
			tb.Fatal(err)
		}
		builtPacks.dir, builtPacks.files = d, map[string]string{}
	}
	built := debpack.Build(tb, c.Glob, pipeline.BuildOptions{
		Config:     c.Config,
		Repository: docpack.Repository{Name: "debian/" + c.Repo, URL: c.URL, CommitSHA: c.sha(), Ref: "refs/heads/master"},
		Now:        func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) },
	})
	out := filepath.Join(builtPacks.dir, c.Repo+".docpack")
	if err := os.Rename(built, out); err != nil {
		tb.Fatal(err)
	}
	builtPacks.files[c.Glob] = out
	return out
}

// serveDebian is a commons serving the docpacks of crates.
func serveDebian(tb testing.TB, crates ...debianCrate) http.Handler {
	tb.Helper()
	st, err := store.NewFS(filepath.Join(tb.TempDir(), "store"))
	if err != nil {
		tb.Fatal(err)
	}
	cat := &sliceCatalog{}
	for _, c := range crates {
		file := debianPackFile(tb, c)
		f, err := os.Open(file)
		if err != nil {
			tb.Fatal(err)
		}
		fi, _ := f.Stat()
		key := store.Key("debian", c.Repo, c.sha())
		err = st.Put(tb.Context(), key, f, fi.Size())
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		cat.entries = append(cat.entries, Entry{Owner: "debian", Repo: c.Repo, SHA: c.sha(), Ref: "master", Key: key, Size: fi.Size(),
			CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	}
	mux := http.NewServeMux()
	New(cat, st, Options{}).Register(mux)
	return mux
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtPacks.dir != "" {
		os.RemoveAll(builtPacks.dir)
	}
	os.Exit(code)
}
