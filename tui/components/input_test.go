package components

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/tui/common"
)

func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "ctrl+w":
		return tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
		want string
	}{
		{"type", []string{"s", "p", "a", "w", "n"}, "spawn"},
		{"backspace", []string{"a", "b", "backspace"}, "a"},
		{"insert before the cursor", []string{"a", "c", "left", "b"}, "abc"},
		{"delete a word", []string{"a", " ", "b", "c", "ctrl+w"}, "a "},
		{"clear", []string{"a", "b", "ctrl+u"}, ""},
		{"unicode", []string{"é", "ß", "backspace"}, "é"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := NewInput(common.New(false, nil), "/", "search")
			in.SetSize(20, 1)
			for _, k := range tc.keys {
				in.Update(keyPress(k))
			}
			if got := in.Value(); got != tc.want {
				t.Errorf("value %q, want %q", got, tc.want)
			}
			if v := ansi.Strip(in.View()); ansi.StringWidth(v) != 20 || !strings.HasPrefix(v, "/"+tc.want) {
				t.Errorf("view %q", v)
			}
		})
	}
	t.Run("paste and long text", func(t *testing.T) {
		in := NewInput(common.New(true, nil), "› ", "")
		in.SetSize(12, 1)
		changed, _ := in.Update(tea.PasteMsg{Content: "tokio::runtime::Builder"})
		if !changed || in.Value() != "tokio::runtime::Builder" {
			t.Fatalf("paste: %v %q", changed, in.Value())
		}
		if v := ansi.Strip(in.View()); ansi.StringWidth(v) != 12 || !strings.Contains(v, "Builder") {
			t.Errorf("view %q does not show the end of the text", v)
		}
	})
	t.Run("placeholder", func(t *testing.T) {
		in := NewInput(common.New(false, nil), "/", "search names")
		in.SetSize(30, 1)
		if v := ansi.Strip(in.View()); !strings.Contains(v, "earch names") {
			t.Errorf("view %q", v)
		}
	})
}

func TestBar(t *testing.T) {
	for _, color := range []bool{false, true} {
		bar := NewBar(common.New(color, nil), 29)
		for _, pct := range []float64{0, 0.5, 1} {
			v := ansi.Strip(bar.ViewAs(pct))
			if w := ansi.StringWidth(v); w != 29 {
				t.Errorf("color=%v %.0f%%: width %d: %q", color, pct*100, w, v)
			}
			want := map[float64]string{0: "  0%", 0.5: " 50%", 1: "100%"}[pct]
			if !strings.HasSuffix(v, want) {
				t.Errorf("color=%v: %q lacks %q", color, v, want)
			}
		}
		if !color && ansi.Strip(bar.ViewAs(0.5)) != "############............  50%" {
			t.Errorf("no-color bar %q", ansi.Strip(bar.ViewAs(0.5)))
		}
	}
}
