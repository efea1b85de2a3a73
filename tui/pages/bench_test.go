package pages_test

import (
	"testing"

	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

// BenchmarkOpenFirstFrame50k opens a 50,000-symbol docpack, indexes it and
// renders the browser's first frame (glamour included).
func BenchmarkOpenFirstFrame50k(b *testing.B) {
	m, syms, docs := packtest.Generated(50000)
	path := packtest.Write(b, "big.docpack", m, syms, docs)
	b.ResetTimer()
	for b.Loop() {
		p, err := index.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		br := pages.NewBrowser(common.New(false, nil), p.Index)
		br.SetSize(120, 40)
		_ = br.View()
		p.Close()
	}
}

// BenchmarkSearchKeystroke50k is one keystroke in the search box: filter all
// 50,000 symbols, sort, rebuild the result rows and render the frame.
func BenchmarkSearchKeystroke50k(b *testing.B) {
	m, syms, _ := packtest.Generated(50000)
	x := index.New(m, syms, nil)
	br := pages.NewBrowser(common.New(false, nil), x)
	br.SetSize(120, 40)
	for _, q := range []string{"w", "cv", "widget7kind1"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				br.Update(key("esc"))
				br.Update(key("/"))
				typeText(br, q[:len(q)-1])
				b.StartTimer()
				typeText(br, q[len(q)-1:])
				_ = br.View()
			}
		})
	}
}
