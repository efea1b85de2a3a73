package rust

import (
	"bytes"
	"sync"

	"github.com/doctown/doctown/pipeline/rust/macros"
)

// stdMacroSource holds the std macros that make items, written as
// macro_rules! with the items rustdoc lists for their calls. thread_local!
// makes, for each `$vis static NAME: T = init;`, a constant of type
// std::thread::LocalKey<T> with the declaration's attributes and docs (what
// rustdoc's JSON has for `thread_local! { pub static FOO: Cell<u32> = … }`:
// a constant FOO: LocalKey<Cell<u32>> spanning the call). Its initializer
// (a `const { … }` block or an expression) is std's business, not the
// item's: the constants' values are left out, as rustdoc shows none.
const stdMacroSource = `
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
        $(#[$attr])* $vis const $name: std::thread::LocalKey<$t>;
        thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block) => {
        $(#[$attr])* $vis const $name: std::thread::LocalKey<$t>;
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $(#[$attr])* $vis const $name: std::thread::LocalKey<$t>;
        thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $(#[$attr])* $vis const $name: std::thread::LocalKey<$t>;
    };
}
`

// stdMacroFile is the file name the std macros' definitions carry.
const stdMacroFile = "<std>"

// stdMacroNames are the macros stdMacroSource defines: a crate calling one
// of them needs an expander even without macros of its own.
var stdMacroNames = []string{"thread_local"}

var stdMacroDefs = sync.OnceValue(func() []*macros.Def {
	toks, err := macros.Lex(stdMacroSource, 1)
	if err != nil {
		panic("std macros: " + err.Error())
	}
	t := macros.NewTable()
	if errs := t.ScanFile(stdMacroFile, toks); len(errs) > 0 {
		panic("std macros: " + errs[0].Error())
	}
	defs := t.Defs()
	for _, d := range defs {
		d.Export = true
	}
	return defs
})

// mentionsStdMacro reports whether src may call one of stdMacroNames.
func mentionsStdMacro(src []byte) bool {
	for _, n := range stdMacroNames {
		if bytes.Contains(src, []byte(n+"!")) {
			return true
		}
	}
	return false
}
