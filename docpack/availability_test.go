package docpack

import "testing"

// TestAvailability: the badge is DocCfg when set (NoDocCfg: none), else Cfg.
func TestAvailability(t *testing.T) {
	for _, tt := range []struct {
		cfg, docCfg, want string
	}{
		{"", "", ""},
		{`feature = "net"`, "", "Available on crate feature `net` only"},
		{`all(feature = "net", not(loom))`, `feature = "net"`, "Available on crate feature `net` only"},
		{`feature = "net"`, NoDocCfg, ""},
		{"", `feature = "x"`, "Available on crate feature `x` only"},
	} {
		s := Symbol{Cfg: tt.cfg, DocCfg: tt.docCfg}
		if got := s.Availability(); got != tt.want {
			t.Errorf("cfg %q doc_cfg %q: %q, want %q", tt.cfg, tt.docCfg, got, tt.want)
		}
	}
}
