package index

import (
	"strings"

	"github.com/doctown/doctown/docpack"
)

// kindWords is the one table of how a kind is written for readers: its name in
// a sentence, its title on a page (as docs.rs titles one) and the heading of a
// list of such items.
var kindWords = map[docpack.Kind]struct{ name, title, plural string }{
	docpack.KindModule:      {"module", "Module", "Modules"},
	docpack.KindStruct:      {"struct", "Struct", "Structs"},
	docpack.KindEnum:        {"enum", "Enum", "Enums"},
	docpack.KindVariant:     {"variant", "Variant", "Variants"},
	docpack.KindField:       {"field", "Field", "Fields"},
	docpack.KindUnion:       {"union", "Union", "Unions"},
	docpack.KindTrait:       {"trait", "Trait", "Traits"},
	docpack.KindTraitMethod: {"trait method", "Trait method", "Trait methods"},
	docpack.KindImpl:        {"impl", "Impl", "Implementations"},
	docpack.KindFunction:    {"function", "Function", "Functions"},
	docpack.KindMethod:      {"method", "Method", "Methods"},
	docpack.KindConst:       {"constant", "Constant", "Constants"},
	docpack.KindStatic:      {"static", "Static", "Statics"},
	docpack.KindTypeAlias:   {"type alias", "Type", "Type aliases"},
	docpack.KindMacro:       {"macro", "Macro", "Macros"},
	docpack.KindAssocType:   {"associated type", "Associated type", "Associated types"},
	docpack.KindAssocConst:  {"associated constant", "Associated constant", "Associated constants"},
}

// KindName is a kind as a word in a sentence or a list: "trait method", "type alias".
func KindName(k docpack.Kind) string {
	if w, ok := kindWords[k]; ok {
		return w.name
	}
	return string(k)
}

// KindTitle is a kind as docs.rs titles an item's page: "Struct", "Trait method".
func KindTitle(k docpack.Kind) string {
	if w, ok := kindWords[k]; ok {
		return w.title
	}
	return string(k)
}

// KindPlural is the heading of a list of items of a kind: "Structs", "Type aliases".
func KindPlural(k docpack.Kind) string {
	if w, ok := kindWords[k]; ok {
		return w.plural
	}
	return string(k)
}

// ModuleOrder is the order rustdoc (1.95, so docs.rs) lists a module's items
// in, after its re-exports: modules, macros, structs, enums, constants,
// statics, traits, functions, type aliases, unions.
var ModuleOrder = []docpack.Kind{
	docpack.KindModule, docpack.KindMacro, docpack.KindStruct, docpack.KindEnum, docpack.KindConst,
	docpack.KindStatic, docpack.KindTrait, docpack.KindFunction, docpack.KindTypeAlias, docpack.KindUnion,
}

// ItemAnchorPrefix is the prefix of the id rustdoc gives an item of kind k
// ("fn" in "fn.spawn", "method", "tymethod", "structfield", "variant",
// "associatedtype"), so links into a page work as they do on docs.rs.
func ItemAnchorPrefix(k docpack.Kind) string {
	switch k {
	case docpack.KindFunction:
		return "fn"
	case docpack.KindTraitMethod:
		return "tymethod"
	case docpack.KindTypeAlias:
		return "type"
	case docpack.KindAssocType:
		return "associatedtype"
	case docpack.KindAssocConst:
		return "associatedconstant"
	case docpack.KindModule:
		return "mod"
	case docpack.KindField:
		return "structfield"
	}
	return string(k)
}

// KindAnchor is the id rustdoc gives the section of a page listing items of
// a kind ("structs", "types" for type aliases), so links into a page work
// as they do on docs.rs.
func KindAnchor(k docpack.Kind) string {
	switch k {
	case docpack.KindTypeAlias:
		return "types"
	case docpack.KindImpl:
		return "implementations"
	}
	return strings.ReplaceAll(strings.ToLower(KindPlural(k)), " ", "-")
}
