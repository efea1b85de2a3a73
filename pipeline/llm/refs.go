package llm

import (
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// resolver checks the references in generated text against the crate's symbols.
// A reference resolves when its path, without crate::/self::/super:: and
// disambiguators, equals a symbol's path or a "::"-separated suffix of one.
type resolver struct {
	crates   map[string]bool
	suffixes map[string]bool
}

func newResolver(all []docpack.Symbol) *resolver {
	r := &resolver{crates: map[string]bool{}, suffixes: map[string]bool{}}
	for _, s := range all {
		parts := strings.Split(s.Path, "::")
		if len(parts) > 0 {
			r.crates[parts[0]] = true
		}
		for i := range parts {
			r.suffixes[strings.Join(parts[i:], "::")] = true
		}
		if s.Name != "" {
			r.suffixes[s.Name] = true
		}
	}
	return r
}

var (
	// refRe finds, leftmost first: [`code`] or [`code`](target); [text](target);
	// [Path]; `code`.
	refRe = regexp.MustCompile("\\[`([^`\\]\\n]+)`\\](?:\\(([^)\\s]+)\\))?" +
		"|\\[([^\\]\\[`\\n]+)\\]\\(([^)\\s]+)\\)" +
		"|\\[((?:[a-z]+@)?[A-Za-z_][A-Za-z0-9_:]*(?:\\(\\)|!)?)\\]" +
		"|`([^`\\n]+)`")
	pathRe = regexp.MustCompile(`^(?:[a-z]+@)?[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*(?:\(\)|!)?$`)
)

// wellKnown are names a doc may put in backticks that are not the crate's:
// primitives, keywords, the prelude. They count only when the crate defines them.
var wellKnown = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 bool char str
		String Vec Option Result Some None Ok Err Box Rc Arc Cow Self self true false std core alloc crate super
		mut ref fn impl dyn unsafe const static where as let match loop while for in move async await return
		Default Clone Copy Debug Display Send Sync Sized Unpin Iterator IntoIterator From Into TryFrom TryInto
		Eq PartialEq Ord PartialOrd Hash Drop Deref DerefMut AsRef AsMut FromStr ToString Error Fn FnMut FnOnce
		HashMap HashSet BTreeMap BTreeSet VecDeque Ordering Path PathBuf io fmt null nil panic unreachable
		assert assert_eq vec format println write writeln todo unimplemented NaN`) {
		m[w] = true
	}
	return m
}()

func (r *resolver) resolves(target string) bool {
	t := strings.TrimSpace(target)
	if i := strings.Index(t, "@"); i >= 0 {
		t = t[i+1:]
	}
	t = strings.TrimSuffix(strings.TrimSuffix(t, "()"), "!")
	for {
		switch {
		case strings.HasPrefix(t, "crate::"):
			t = t[len("crate::"):]
		case strings.HasPrefix(t, "self::"):
			t = t[len("self::"):]
		case strings.HasPrefix(t, "super::"):
			t = t[len("super::"):]
		case strings.HasPrefix(t, "Self::"):
			t = t[len("Self::"):]
		default:
			goto done
		}
	}
done:
	if t == "" {
		return false
	}
	if r.suffixes[t] {
		return true
	}
	// "mycrate::Thing" names a re-export of mycrate::deep::Thing.
	if first, rest, ok := strings.Cut(t, "::"); ok && r.crates[first] && !strings.Contains(rest, "::") {
		return r.suffixes[rest]
	}
	return false
}

// linkStats counts references.
type linkStats struct{ total, resolved int }

// check rewrites text: unresolvable intra-doc links become plain code spans (or
// their text), resolvable ones stay. Backticked paths are counted but never
// changed. local names (the item's parameters) are not references. Fenced code
// blocks are left alone.
func (r *resolver) check(text string, local map[string]bool, st *linkStats) string {
	if !strings.ContainsAny(text, "`[") {
		return text
	}
	var out strings.Builder
	inFence := false
	lines := strings.SplitAfter(text, "\n")
	for _, line := range lines {
		if isFence(strings.TrimSpace(line)) {
			inFence = !inFence
			out.WriteString(line)
			continue
		}
		if inFence {
			out.WriteString(line)
			continue
		}
		out.WriteString(r.checkLine(line, local, st))
	}
	return out.String()
}

func isFence(s string) bool { return strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") }

func (r *resolver) checkLine(line string, local map[string]bool, st *linkStats) string {
	return replaceAllSubmatch(refRe, line, func(m []string) string {
		switch {
		case m[1] != "": // [`code`] or [`code`](target)
			target := m[1]
			if m[2] != "" {
				if isURL(m[2]) {
					return m[0]
				}
				target = m[2]
			}
			st.total++
			if pathRe.MatchString(strings.TrimSpace(target)) && r.resolves(target) {
				st.resolved++
				return m[0]
			}
			return "`" + m[1] + "`"
		case m[3] != "": // [text](target)
			if isURL(m[4]) || !pathRe.MatchString(m[4]) {
				return m[0]
			}
			st.total++
			if r.resolves(m[4]) {
				st.resolved++
				return m[0]
			}
			return m[3]
		case m[5] != "": // [Path]
			st.total++
			if r.resolves(m[5]) {
				st.resolved++
				return m[0]
			}
			return "`" + m[5] + "`"
		case m[6] != "": // `code`
			code := strings.TrimSpace(m[6])
			if !pathRe.MatchString(code) || local[code] || len(code) < 2 {
				return m[0]
			}
			if r.resolves(code) {
				st.total++
				st.resolved++
			} else if !wellKnown[strings.TrimSuffix(strings.TrimSuffix(code, "()"), "!")] && !strings.HasPrefix(code, "std::") && !strings.HasPrefix(code, "core::") && !strings.HasPrefix(code, "alloc::") {
				st.total++
			}
			return m[0]
		}
		return m[0]
	})
}

func isURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "mailto:") || strings.HasPrefix(s, "/")
}

func replaceAllSubmatch(re *regexp.Regexp, s string, fn func([]string) string) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range idx {
		b.WriteString(s[last:loc[0]])
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(fn(m))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// checkDoc applies check to every prose field of d.
func (r *resolver) checkDoc(d *docpack.Doc, s docpack.Symbol, st *linkStats) {
	local := map[string]bool{}
	for _, p := range s.Parameters {
		local[p.Name] = true
	}
	for _, f := range []*string{&d.Summary, &d.Description, &d.Returns, &d.Errors, &d.Panics, &d.Safety} {
		*f = r.check(*f, local, st)
	}
	for i := range d.Parameters {
		d.Parameters[i].Description = r.check(d.Parameters[i].Description, local, st)
	}
}
