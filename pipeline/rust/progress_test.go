package rust

import (
	"testing"
)

// TestFileProgressSteady checks the parse stage's file progress on a module
// tree that is discovered level by level (lib.rs names one module, whose file
// names 30 more, and one file is not in the tree): the total is known from
// the first file on and never jumps, the share done never goes backwards, and
// the last report is the files parsed out of the files parsed.
func TestFileProgressSteady(t *testing.T) {
	files := map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": "pub mod a;\n", "src/bin/tool.rs": "fn main() {}\n"}
	var a string
	for i := range 30 {
		name := "m" + itoa(i)
		a += "pub mod " + name + ";\n"
		files["src/a/"+name+".rs"] = "pub fn f() {}\n"
	}
	files["src/a.rs"] = a
	dir := writeRepo(t, files)
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	type report struct{ done, total int }
	var got []report
	if _, err := Extract(t.Context(), dir, crates, Options{Workers: 2, OnFile: func(done, total int, _ string) {
		got = append(got, report{done, total})
	}}); err != nil {
		t.Fatal(err)
	}
	if len(got) < 32 {
		t.Fatalf("%d reports for 32 files: %v", len(got), got)
	}
	if got[0].total != 33 {
		t.Errorf("first total %d, want the 33 .rs files of src", got[0].total)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if float64(b.done)/float64(b.total) < float64(a.done)/float64(a.total) {
			t.Errorf("progress went backwards: %v then %v", a, b)
		}
		if i < len(got)-1 && b.total != a.total {
			t.Errorf("total changed mid-stage: %v then %v", a, b)
		}
	}
	if last := got[len(got)-1]; last != (report{32, 32}) {
		t.Errorf("last report %v, want 32/32", last)
	}
}
