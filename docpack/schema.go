package docpack

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas holds the JSON Schemas (draft 2020-12) of format version 1, the ones
// DOCPACK_SPEC.md publishes: schema/manifest.schema.json,
// schema/symbols.schema.json and schema/doc.schema.json.
//
//go:embed schema/*.json
var Schemas embed.FS

// The schema files, by the entry they describe.
const (
	ManifestSchemaFile = "schema/manifest.schema.json"
	SymbolsSchemaFile  = "schema/symbols.schema.json"
	DocSchemaFile      = "schema/doc.schema.json"
)

type compiledSchemas struct {
	manifest, symbols, doc *jsonschema.Schema
	// symbol is one element of symbols.json, which is validated a symbol
	// at a time.
	symbol *jsonschema.Schema
}

var loadSchemas = sync.OnceValues(func() (*compiledSchemas, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	compile := func(file string) (*jsonschema.Schema, error) {
		b, err := fs.ReadFile(Schemas, file)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(file, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return c.Compile(file)
	}
	var s compiledSchemas
	var err error
	if s.manifest, err = compile(ManifestSchemaFile); err != nil {
		return nil, err
	}
	if s.symbols, err = compile(SymbolsSchemaFile); err != nil {
		return nil, err
	}
	if s.doc, err = compile(DocSchemaFile); err != nil {
		return nil, err
	}
	if s.symbol, err = c.Compile(SymbolsSchemaFile + "#/$defs/symbol"); err != nil {
		return nil, err
	}
	return &s, nil
})
