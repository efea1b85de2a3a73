package commons

import (
	"html"
	"net/url"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// safeLinks is a goldmark AST transformer that allows only http, https,
// mailto and relative link destinations (http, https and relative for
// images), judged after HTML entities and percent-escapes are decoded and
// control characters removed — as a browser reads them, so
// "&#106;avascript:" is javascript:. A refused link keeps its text and loses
// its destination; a refused image becomes its alt text.
type safeLinks struct{}

// allowedDestination reports whether dest, decoded, is a relative reference
// or uses one of the schemes allowed for a link (image false) or an image.
func allowedDestination(dest string, image bool) bool {
	d := html.UnescapeString(dest)
	if u, err := url.PathUnescape(d); err == nil {
		d = u
	}
	d = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1 // browsers drop these inside a scheme
		}
		return r
	}, d)
	colon := strings.IndexByte(d, ':')
	if colon < 0 || strings.ContainsAny(d[:colon], "/?#") {
		return true // relative: no scheme before the first path, query or fragment
	}
	switch strings.ToLower(d[:colon]) {
	case "http", "https":
		return true
	case "mailto":
		return !image
	}
	return false
}

// Transform implements parser.ASTTransformer.
func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var refusedImages []*ast.Image
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			if !allowedDestination(string(n.Destination), false) {
				n.Destination = nil
			}
		case *ast.Image:
			if !allowedDestination(string(n.Destination), true) {
				refusedImages = append(refusedImages, n)
			}
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkURL && !allowedDestination(string(n.URL(src)), false) {
				parent := n.Parent()
				parent.ReplaceChild(parent, n, ast.NewString(n.Label(src)))
			}
		}
		return ast.WalkContinue, nil
	})
	for _, img := range refusedImages {
		alt := ast.NewString(plainText(img, src)) // the alt text, as goldmark renders an image's
		img.Parent().ReplaceChild(img.Parent(), img, alt)
	}
}

// plainText is the text of n's descendants, as goldmark writes an image's alt
// attribute.
func plainText(n ast.Node, src []byte) []byte {
	var b []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.String:
			b = append(b, c.Value...)
		case *ast.Text:
			b = append(b, c.Segment.Value(src)...)
		default:
			b = append(b, plainText(c, src)...)
		}
	}
	return b
}

var _ parser.ASTTransformer = safeLinks{}

// safeLinksOption installs safeLinks in a goldmark parser.
var safeLinksOption = parser.WithASTTransformers(util.Prioritized(safeLinks{}, 1000))
