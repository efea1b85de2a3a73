package gctune

import "testing"

func TestHoldNestsAndRestores(t *testing.T) {
	v := int64(100)
	s := &Setting{Set: func(x int64) int64 { old := v; v = x; return old }, To: 400,
		Keep: func(found int64) bool { return found < 0 || found >= 400 }}
	r1 := s.Hold()
	if v != 400 {
		t.Fatalf("held: %d, want 400", v)
	}
	r2 := s.Hold()
	r1()
	r1() // a second call of the same restore does not count twice
	if v != 400 {
		t.Fatalf("one holder left: %d, want 400", v)
	}
	r2()
	if v != 100 {
		t.Fatalf("restored: %d, want 100", v)
	}
	v = -1 // collector off: kept off
	r := s.Hold()
	if v != -1 {
		t.Fatalf("off collector: %d, want -1", v)
	}
	r()
	if v != -1 {
		t.Fatalf("off collector restored: %d, want -1", v)
	}
}
