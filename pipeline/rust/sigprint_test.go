package rust

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPrintSig(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"pub fn spawn < T > (future : T) -> JoinHandle < T :: Output > where T : Future + Send + 'static , T :: Output : Send + 'static",
			"pub fn spawn<T>(future: T) -> JoinHandle<T::Output> where T: Future + Send + 'static, T::Output: Send + 'static"},
		{"fn poll_read( mut self: Pin < &mut Self >, cx: &mut Context < '_ >, buf: &mut ReadBuf < '_ >,) -> Poll < io::Result < () >>",
			"fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>>"},
		{"fn poll_write( mut self: Pin < &mut Self >, cx: &mut Context < '_ >, buf: & [ u8],) -> Poll < io::Result < usize >>",
			"fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>"},
		{"fn f(\n    &self,\n    // a comment\n    a: [u8; 4],\n) -> *const u8", "fn f(&self, a: [u8; 4]) -> *const u8"},
		{"impl < T : ? Sized > ! Send for Foo < T >", "impl<T: ?Sized> !Send for Foo<T>"},
		{"pub (crate) fn g < 'a > (x : & 'a str) -> Option < & 'a str >", "pub(crate) fn g<'a>(x: &'a str) -> Option<&'a str>"},
		{"fn h < F > (f : F) where F : for < 'a > Fn (& 'a u8) -> u8 ,", "fn h<F>(f: F) where F: for<'a> Fn(&'a u8) -> u8"},
		{"type Output = < T as Add < U >> :: Output", "type Output = <T as Add<U>>::Output"},
		{"fn t() -> (T ,)", "fn t() -> (T,)"},
		{"pub const MAX : u32", "pub const MAX: u32"},
		{"fn x(a: fn (u8) -> u8, b: extern \"C\" fn ()) -> impl Iterator < Item = u8 > + '_", "fn x(a: fn(u8) -> u8, b: extern \"C\" fn()) -> impl Iterator<Item = u8> + '_"},
		{"fn c(#[cfg (unix)] a: u8, b: & & T, c: *mut [T], d: [T; N * 2])", "fn c(#[cfg(unix)] a: u8, b: &&T, c: *mut [T], d: [T; N * 2])"},
		{"macro_rules! name", "macro_rules! name"},
		{"pub fn new() -> Self", "pub fn new() -> Self"},
		{"fn unbalanced(a: u8", "fn unbalanced(a: u8"},
		{"impl < T > From < Vec < T >> for crate :: Set < T >", "impl<T> From<Vec<T>> for crate::Set<T>"},
		{"fn d(self: :: std :: rc :: Rc < Self >)", "fn d(self: ::std::rc::Rc<Self>)"},
		{"pub fn mq_open(name: *const ::c_char, oflag: ::c_int, ...) -> *mut ::mqd_t", "pub fn mq_open(name: *const ::c_char, oflag: ::c_int, ...) -> *mut ::mqd_t"},
		{"fn e() -> Box < dyn :: std :: error :: Error >", "fn e() -> Box<dyn ::std::error::Error>"},
		{"fn kmerge(self) -> KMerge<<Self::Item as IntoIterator>::IntoIter>\n  where <<I as IntoIterator>::Item as IntoIterator>::Item: PartialOrd",
			"fn kmerge(self) -> KMerge<<Self::Item as IntoIterator>::IntoIter> where <<I as IntoIterator>::Item as IntoIterator>::Item: PartialOrd"},
		{"pub trait Nullable: Default + Into<Option<<Self as Nullable>::Wrapped>> + private::Sealed",
			"pub trait Nullable: Default + Into<Option<<Self as Nullable>::Wrapped>> + private::Sealed"},
		{"pub fn is_not<T, Input, Error: ParseError<Input>>(\n  arr: T,\n) -> impl Fn(Input)", "pub fn is_not<T, Input, Error: ParseError<Input>>(arr: T) -> impl Fn(Input)"},
		{"fn one() -> ( T , )", "fn one() -> (T,)"},
		{"AllocError {\n        /// The layout of the allocation request that failed.\n        layout: alloc::alloc::Layout,\n    }",
			"AllocError { layout: alloc::alloc::Layout }"},
		{"SetLoc { #[doc = r\" The target address.\"] address: u64, }", "SetLoc { address: u64 }"},
		{"Pair(\n    /// first\n    #[cfg(unix)] u8,\n    /** second */ u16,\n)", "Pair(#[cfg(unix)] u8, u16)"},
		{"#[doc(cfg(unix))]", "#[doc(cfg(unix))]"},
		{"#[doc = \"x\"]", "#[doc = \"x\"]"},
		{"Pair(#[doc(hidden)] u8)", "Pair(#[doc(hidden)] u8)"},
	} {
		if got := printSig(c.in); got != c.want {
			t.Errorf("printSig(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestBitflagsUserSignatures expands the real bitflags! (Debian's
// bitflags 1.3.2, its lib.rs as a crate's own macro) in a crate that uses it
// and checks the generated methods' signatures as rustdoc prints them (the
// paths as the expansion writes them: rustdoc shows the resolved `Option`).
// bitflags! is expanded because the crate defines it; a bitflags! of another
// crate is not (macroNoItems).
func TestBitflagsUserSignatures(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(registryDir, "bitflags-1.3.2", "src", "lib.rs"))
	if err != nil {
		requireTools(t, "bitflags sources missing (Debian package librust-bitflags-dev)")
	}
	dir := writeRepo(t, map[string]string{
		"Cargo.toml":    "[package]\nname = \"flagsuser\"\nversion = \"0.1.0\"\nedition = \"2018\"\n",
		"src/lib.rs":    "#[macro_use]\nmod macros;\n\nbitflags! {\n    /// Some flags.\n    pub struct Flags: u32 {\n        const A = 0b01;\n        const B = 0b10;\n    }\n}\n",
		"src/macros.rs": string(src),
	})
	res := extractRepo(t, dir, Options{})
	got := map[string]string{}
	for _, s := range res.Symbols {
		got[s.Path] = s.Signature
	}
	for path, want := range map[string]string{
		"flagsuser::Flags::from_bits":           "pub const fn from_bits(bits: u32) -> crate::_core::option::Option<Self>",
		"flagsuser::Flags::bits":                "pub const fn bits(&self) -> u32",
		"flagsuser::Flags::from_bits_truncate":  "pub const fn from_bits_truncate(bits: u32) -> Self",
		"flagsuser::Flags::set":                 "pub fn set(&mut self, other: Self, value: bool)",
		"flagsuser::Flags::from_bits_unchecked": "pub const unsafe fn from_bits_unchecked(bits: u32) -> Self",
	} {
		if got[path] != want {
			t.Errorf("%s: signature %q; want %q", path, got[path], want)
		}
	}
}
