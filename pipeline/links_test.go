package pipeline

import (
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// TestDocWriterLinks resolves the links rustdoc resolves and doctown lost:
// definitions at the end of an Examples section (tokio's Notify), a summary's
// link whose definition ends the description (tokio's Builder::spawn_on), a
// shortcut link before a colon in a list (tokio::time's "* [`Timeout`]:
// Wraps…"), and an inherited std doc's link (Hash::hash's [`Hasher`]), which
// is std's, not the crate's.
func TestDocWriterLinks(t *testing.T) {
	sym := func(id, path string, kind docpack.Kind, parent, doc string) docpack.Symbol {
		return docpack.Symbol{ID: id, Name: path[strings.LastIndex(path, ":")+1:], Path: path, SymbolType: kind, Parent: parent, DocComments: doc, Crate: "tok"}
	}
	symbols := []docpack.Symbol{
		sym("m", "tok", docpack.KindModule, "", ""),
		sym("sync", "tok::sync", docpack.KindModule, "m", ""),
		sym("notify", "tok::sync::Notify", docpack.KindStruct, "sync",
			"Notifies a task.\n\nThe [`notified().await`] method waits, as a [`Semaphore`] does.\n\n# Examples\n\nBasic usage.\n\n```\nlet n = Notify::new();\n```\n\n[`notified().await`]: Notify::notified()\n[`Semaphore`]: crate::sync::Semaphore"),
		sym("impl", "tok::sync::Notify", docpack.KindImpl, "notify", ""),
		sym("notified", "tok::sync::Notify::notified", docpack.KindMethod, "impl", "Waits."),
		sym("sem", "tok::sync::Semaphore", docpack.KindStruct, "sync", "A semaphore."),
		sym("rt", "tok::runtime", docpack.KindModule, "m", ""),
		sym("handle", "tok::runtime::Handle", docpack.KindStruct, "rt", "A handle."),
		sym("spawn", "tok::runtime::spawn_on", docpack.KindFunction, "rt",
			"Spawns on the provided [runtime handle].\n\nSee [`Handle`].\n\n[runtime handle]: crate::runtime::Handle"),
		sym("time", "tok::time", docpack.KindModule, "m", "Time.\n\n* [`Timeout`]: Wraps a future, setting a bound."),
		sym("timeout", "tok::time::Timeout", docpack.KindStruct, "time", "A timeout."),
		sym("hash", "tok::sync::Semaphore::hash", docpack.KindMethod, "sem", ""),
	}
	symbols[len(symbols)-1].InheritedDoc = "Feeds this value into the given [`Hasher`]."
	symbols[len(symbols)-1].InheritedFrom = "std::hash::Hash::hash"
	write := docWriter(symbols)
	for _, tt := range []struct {
		id, dest, want string
	}{
		{"notify", "Notify::notified()", "notified"},
		{"notify", "crate::sync::Semaphore", "sem"},
		{"spawn", "crate::runtime::Handle", "handle"},
		{"spawn", "Handle", "handle"},
		{"time", "Timeout", "timeout"},
		{"hash", "Hasher", "https://doc.rust-lang.org/std/hash/trait.Hasher.html"},
	} {
		i := -1
		for k := range symbols {
			if symbols[k].ID == tt.id {
				i = k
			}
		}
		d := write(i, docpack.Doc{}, false, &docpack.Scratch{})
		if got := d.Links[tt.dest]; got != tt.want {
			t.Errorf("%s: links[%q] = %q, want %q (links %v, description %q)", tt.id, tt.dest, got, tt.want, d.Links, d.Description)
		}
	}
}
