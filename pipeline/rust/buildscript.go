package rust

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"

	"github.com/doctown/doctown/docpack/cfgexpr"
	"github.com/doctown/doctown/pipeline/rust/cfg"
)

// assumedRustcMinor is the compiler a build script's version probes are
// answered for: a current stable rustc, 1.90. doctown never runs a build
// script (building an untrusted branch must be safe), so the cfgs a script
// prints are read from its source instead (see buildScriptCfgs).
const assumedRustcMinor = 90

// maxBuildScript bounds the build script read (a larger one is not read).
const maxBuildScript = 1 << 20

// buildScriptCfgs reads a crate's build script without running it and
// returns the cfgs it prints (`cargo:rustc-cfg=NAME`) when built with a
// current stable rustc and the given features, and the names it may print
// but whose conditions depend on what only running it tells (the
// environment, the host, a nightly compiler, a computed name). What it
// answers: version probes (`rustc_minor >= 30`, `version.minor < 31`,
// autocfg's `probe_rustc_version(1, 61)` and other `probe_*`, which a current
// compiler passes), `CARGO_FEATURE_*` environment checks and `cfg!(feature =
// …)` from the features, `nightly` as false (a stable compiler), `&&`, `||`,
// `!`, boolean `let`s, `if`/`else` and `match` (a name printed in every branch
// of an undecided one counts), helper functions that print their argument
// (libc's set_cfg), calls of local functions, and autocfg's emit_* helpers.
// Names printed inside loops and closures are undecided.
//
// The target triple answers `env::var("TARGET")` and what the script
// computes from it: string locals, `&target[..]`, `==`/`!=`, `starts_with`,
// `ends_with`, `contains`, and local functions deciding on it (log's
// `match target { "thumbv6m-none-eabi" | … => false, _ => true }`).
func buildScriptCfgs(path string, features []string, target string) (on, undecided []string) {
	return buildScriptCfgsIn(path, features, target, nil, false)
}

// buildScriptCfgsIn is buildScriptCfgs for a build with the custom cfgs
// given (cfg!(name) in the script, CARGO_CFG_NAME), docs.rs's DOCS_RS set
// when docsRS: the script's environment as cargo would give it, CARGO_CFG_*
// for the target (memchr's CARGO_CFG_TARGET_ARCH and _TARGET_FEATURE).
func buildScriptCfgsIn(path string, features []string, target string, cfgs []string, docsRS bool) (on, undecided []string) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxBuildScript {
		return nil, nil
	}
	src, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(src), "rustc-cfg") && !strings.Contains(string(src), "autocfg") {
		return nil, nil
	}
	g := loadGrammar()
	p := ts.NewParser()
	defer p.Close()
	if p.SetLanguage(g.lang) != nil {
		return nil, nil
	}
	tree := p.Parse(src, nil)
	if tree == nil {
		return nil, nil
	}
	defer tree.Close()
	b := &bsReader{src: src, target: target, features: map[string]bool{}, fns: map[string]*ts.Node{}, active: map[string]bool{}, maybe: map[string]bool{},
		cfgs: cfgs, docsRS: docsRS}
	if set, err := cfg.New(cfg.Config{Target: target, Cfgs: cfgs}); err == nil {
		b.env = set.CargoEnv()
	}
	for _, f := range features {
		b.features[f] = true
	}
	// Functions, and methods of the script's own types (winapi's
	// graph.emit_features()), by name.
	var collect func(n *ts.Node)
	collect = func(n *ts.Node) {
		for i := uint(0); i < n.NamedChildCount(); i++ {
			switch c := n.NamedChild(i); c.Kind() {
			case "function_item":
				if n := c.ChildByFieldName("name"); n != nil {
					if _, dup := b.fns[b.text(n)]; !dup {
						b.fns[b.text(n)] = c
					}
				}
			case "impl_item":
				if body := c.ChildByFieldName("body"); body != nil {
					collect(body)
				}
			}
		}
	}
	collect(tree.RootNode())
	main := b.fns["main"]
	if main == nil {
		return nil, nil
	}
	set := b.call(main, nil)
	for k := range set {
		delete(b.maybe, k)
	}
	return slices.Sorted(mapKeysOf(set)), slices.Sorted(mapKeysOf(b.maybe))
}

func mapKeysOf(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// tri is a three-valued truth: known true, known false, or undecided.
type tri int8

const (
	triUnknown tri = iota
	triFalse
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) not() tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// bsReader walks one build script.
type bsReader struct {
	src      []byte
	target   string // the target triple, the script's TARGET
	features map[string]bool
	fns      map[string]*ts.Node
	active   map[string]bool // functions being walked (recursion guard)
	maybe    map[string]bool // every name printed anywhere
	depth    int
	// env is the CARGO_CFG_* environment (nil: not known); cfgs the custom
	// --cfgs; docsRS whether DOCS_RS is set.
	env    map[string]string
	cfgs   []string
	docsRS bool
}

// envVar is what the script's environment holds for name as far as doctown
// knows it (known): CARGO_CFG_* from the target and --cfgs, DOCS_RS.
func (b *bsReader) envVar(name string) (val string, set, known bool) {
	switch {
	case b.env == nil:
		return "", false, false
	case strings.HasPrefix(name, "CARGO_CFG_"):
		val, set = b.env[name]
		return val, set, true
	case name == "DOCS_RS":
		if b.docsRS {
			return "1", true, true
		}
		return "", false, true
	}
	return "", false, false
}

// envCall is the variable name of an env::var(NAME) / env::var_os(NAME) call.
func (b *bsReader) envCall(n *ts.Node, env *bsEnv) (string, bool) {
	if n == nil || n.Kind() != "call_expression" {
		return "", false
	}
	fn := n.ChildByFieldName("function")
	if fn == nil {
		return "", false
	}
	name := b.text(fn)
	if name != "var" && name != "var_os" && !strings.HasSuffix(name, "::var") && !strings.HasSuffix(name, "::var_os") {
		return "", false
	}
	args := b.stringArgs(n.ChildByFieldName("arguments"), env)
	if len(args) != 1 {
		return "", false
	}
	return args[0], true
}

// bsEnv is one function's walk: its boolean locals and the parameter a
// helper prints (`fn set_cfg(name: &str) { println!("cargo:rustc-cfg={}", name) }`).
type bsEnv struct {
	vars map[string]tri
	args map[string]string // parameter → the string literal it was called with
}

func (b *bsReader) text(n *ts.Node) string { return string(b.src[n.StartByte():n.EndByte()]) }

// call walks function f's body with its string parameters bound to args.
func (b *bsReader) call(f *ts.Node, args []string) map[string]bool {
	name := b.text(f.ChildByFieldName("name"))
	if b.active[name] || b.depth > 16 {
		return nil
	}
	b.active[name] = true
	b.depth++
	defer func() { delete(b.active, name); b.depth-- }()
	env := &bsEnv{vars: map[string]tri{}, args: map[string]string{}}
	if ps := f.ChildByFieldName("parameters"); ps != nil {
		j := 0
		for i := uint(0); i < ps.NamedChildCount(); i++ {
			p := ps.NamedChild(i)
			if p.Kind() != "parameter" {
				continue
			}
			if pat := p.ChildByFieldName("pattern"); pat != nil && j < len(args) {
				env.args[b.text(pat)] = args[j]
			}
			j++
		}
	}
	body := f.ChildByFieldName("body")
	if body == nil {
		return nil
	}
	return b.walk(body, env)
}

// walk returns the names n surely prints.
func (b *bsReader) walk(n *ts.Node, env *bsEnv) map[string]bool {
	out := map[string]bool{}
	switch n.Kind() {
	case "if_expression":
		c := b.eval(n.ChildByFieldName("condition"), env)
		cons, alt := n.ChildByFieldName("consequence"), n.ChildByFieldName("alternative")
		switch c {
		case triTrue:
			return b.walkOpt(cons, env)
		case triFalse:
			return b.walkOpt(alt, env)
		}
		return b.branches(env, []*ts.Node{cons, alt})
	case "match_expression":
		body := n.ChildByFieldName("body")
		if body == nil {
			return out
		}
		// match &arch[..] { "x86_64" => …, _ => … } on a known string.
		if v := b.matchArm(n, env); v != nil {
			return b.walk(v, env)
		}
		var arms []*ts.Node
		for i := uint(0); i < body.NamedChildCount(); i++ {
			arm := body.NamedChild(i)
			if arm.Kind() != "match_arm" {
				continue
			}
			// match autocfg::new() { Ok(ac) => …, Err(e) => … }: autocfg works.
			if v := n.ChildByFieldName("value"); v != nil && strings.Contains(strings.ToLower(b.text(v)), "autocfg::new") {
				if pat := arm.ChildByFieldName("pattern"); pat != nil && strings.HasPrefix(b.text(pat), "Ok") {
					return b.walkOpt(arm.ChildByFieldName("value"), env)
				}
			}
			arms = append(arms, arm.ChildByFieldName("value"))
		}
		return b.branches(env, arms)
	case "assignment_expression":
		if l, r := n.ChildByFieldName("left"), n.ChildByFieldName("right"); l != nil && r != nil && l.Kind() == "identifier" {
			env.vars[b.text(l)] = b.eval(r, env)
		}
		return b.walkChildren(n, env)
	case "block":
		// After a statement that may return, what follows is undecided.
		returned := false
		for i := uint(0); i < n.NamedChildCount(); i++ {
			c := n.NamedChild(i)
			got := b.walk(c, env)
			if !returned {
				for k := range got {
					out[k] = true
				}
			}
			if !returned && b.mayReturn(c, env) {
				returned = true
			}
			if b.surelyReturns(c, env) {
				break // nothing after it runs (memchr's `if !is_feature_set("LIBC") { return; }`)
			}
		}
		return out
	case "for_expression", "while_expression", "loop_expression", "closure_expression":
		b.walkChildren(n, env) // records what they may print
		return out
	case "let_declaration":
		if pat, val := n.ChildByFieldName("pattern"), n.ChildByFieldName("value"); pat != nil && val != nil {
			if pat.Kind() == "identifier" {
				if v, ok := b.strVal(val, env); ok {
					env.args[b.text(pat)] = v
				} else {
					env.vars[b.text(pat)] = b.eval(val, env)
				}
			}
		}
		return b.walkChildren(n, env)
	case "macro_invocation":
		b.macro(n, env, out)
		return out
	case "call_expression":
		b.callExpr(n, env, out)
		for k := range b.walkChildren(n, env) {
			out[k] = true
		}
		return out
	}
	return b.walkChildren(n, env)
}

func (b *bsReader) walkOpt(n *ts.Node, env *bsEnv) map[string]bool {
	if n == nil {
		return map[string]bool{}
	}
	return b.walk(n, env)
}

func (b *bsReader) walkChildren(n *ts.Node, env *bsEnv) map[string]bool {
	out := map[string]bool{}
	for i := uint(0); i < n.NamedChildCount(); i++ {
		for k := range b.walk(n.NamedChild(i), env) {
			out[k] = true
		}
	}
	return out
}

// branches walks the arms of an undecided if or match, each on its own copy
// of the locals: what every arm prints is printed, a local that every arm
// leaves with the same value keeps it.
func (b *bsReader) branches(env *bsEnv, arms []*ts.Node) map[string]bool {
	var acc map[string]bool
	var vars []map[string]tri
	for _, a := range arms {
		e := &bsEnv{vars: maps.Clone(env.vars), args: env.args}
		got := b.walkOpt(a, e)
		if acc == nil {
			acc = got
		} else {
			acc = both(acc, got)
		}
		vars = append(vars, e.vars)
	}
	for k := range env.vars {
		delete(env.vars, k)
	}
	if len(vars) > 0 {
		for k, v := range vars[0] {
			same := true
			for _, o := range vars[1:] {
				if o[k] != v {
					same = false
				}
			}
			if same {
				env.vars[k] = v
			} else {
				env.vars[k] = triUnknown
			}
		}
	}
	if acc == nil {
		acc = map[string]bool{}
	}
	return acc
}

// mayReturn reports whether a statement can return from the function (a
// return outside closures, in a branch the conditions do not rule out). The
// failure arms of a match (None, Err) do not count: `None => return` is a
// script giving up when it cannot run rustc, which a real build does not.
func (b *bsReader) mayReturn(n *ts.Node, env *bsEnv) bool {
	switch n.Kind() {
	case "return_expression":
		return true
	case "closure_expression", "function_item":
		return false
	case "if_expression":
		switch b.eval(n.ChildByFieldName("condition"), env) {
		case triTrue:
			c := n.ChildByFieldName("consequence")
			return c != nil && b.mayReturn(c, env)
		case triFalse:
			c := n.ChildByFieldName("alternative")
			return c != nil && b.mayReturn(c, env)
		}
	case "match_arm":
		if pat := n.ChildByFieldName("pattern"); pat != nil {
			if t := b.text(pat); t == "None" || strings.HasPrefix(t, "Err") {
				return false
			}
		}
	}
	for i := uint(0); i < n.NamedChildCount(); i++ {
		if b.mayReturn(n.NamedChild(i), env) {
			return true
		}
	}
	return false
}

// surelyReturns reports whether statement n returns whatever happens
// before: a return, or an if whose condition holds and whose block returns.
func (b *bsReader) surelyReturns(n *ts.Node, env *bsEnv) bool {
	switch n.Kind() {
	case "return_expression":
		return true
	case "expression_statement":
		return n.NamedChildCount() == 1 && b.surelyReturns(n.NamedChild(0), env)
	case "if_expression":
		c := n.ChildByFieldName("consequence")
		if alt := n.ChildByFieldName("alternative"); b.eval(n.ChildByFieldName("condition"), env) != triTrue {
			return b.eval(n.ChildByFieldName("condition"), env) == triFalse && alt != nil && b.surelyReturns(alt, env)
		}
		return c != nil && b.surelyReturns(c, env)
	case "block", "else_clause":
		for i := uint(0); i < n.NamedChildCount(); i++ {
			if b.surelyReturns(n.NamedChild(i), env) {
				return true
			}
		}
	}
	return false
}

// both is what two branches surely print.
func both(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

func (b *bsReader) emit(name string, out map[string]bool) {
	if name == "" {
		return
	}
	b.maybe[name] = true
	out[name] = true
}

// macro reads println!("cargo:rustc-cfg=NAME") (and cargo::, print!).
func (b *bsReader) macro(n *ts.Node, env *bsEnv, out map[string]bool) {
	m := n.ChildByFieldName("macro")
	if m == nil {
		return
	}
	switch name := b.text(m); name {
	case "println", "print", "std::println":
	default:
		return
	}
	var tt *ts.Node
	for i := uint(0); i < n.NamedChildCount(); i++ {
		if c := n.NamedChild(i); c.Kind() == "token_tree" {
			tt = c
		}
	}
	if tt == nil || tt.NamedChildCount() == 0 {
		return
	}
	first := tt.NamedChild(0)
	if first.Kind() != "string_literal" {
		return
	}
	lit, ok := unquoteRust(b.text(first))
	if !ok {
		return
	}
	rest, ok := strings.CutPrefix(lit, "cargo:rustc-cfg=")
	if !ok {
		if rest, ok = strings.CutPrefix(lit, "cargo::rustc-cfg="); !ok {
			return
		}
	}
	if !strings.Contains(rest, "{") {
		b.emit(rest, out)
		return
	}
	// A helper printing its parameter: "cargo:rustc-cfg={}", name.
	if rest == "{}" && tt.NamedChildCount() == 2 {
		if v, ok := env.args[b.text(tt.NamedChild(1))]; ok {
			b.emit(v, out)
			return
		}
	}
	if v, ok := strings.CutPrefix(rest, "{"); ok {
		if arg, ok := strings.CutSuffix(v, "}"); ok {
			if s, ok := env.args[arg]; ok {
				b.emit(s, out)
				return
			}
		}
	}
	b.maybe[strings.ReplaceAll(rest, "\"", "")+" (computed)"] = true
}

// callExpr reads calls of local functions (walked with their string
// arguments) and autocfg's emitting helpers.
func (b *bsReader) callExpr(n *ts.Node, env *bsEnv, out map[string]bool) {
	fn := n.ChildByFieldName("function")
	if fn == nil {
		return
	}
	args := b.stringArgs(n.ChildByFieldName("arguments"), env)
	switch fn.Kind() {
	case "identifier":
		if f := b.fns[b.text(fn)]; f != nil {
			for k := range b.call(f, args) {
				out[k] = true
			}
		}
		return
	case "field_expression":
		method := b.text(fn.ChildByFieldName("field"))
		if f := b.fns[method]; f != nil {
			for k := range b.call(f, args) {
				out[k] = true
			}
			return
		}
		b.autocfgEmit(method, n.ChildByFieldName("arguments"), args, out)
	case "scoped_identifier":
		if t := b.text(fn); strings.HasSuffix(t, "autocfg::emit") && len(args) == 1 {
			b.emit(args[0], out)
		}
	}
}

// autocfgEmit is what autocfg's AutoCfg::emit_* methods print.
func (b *bsReader) autocfgEmit(method string, argNode *ts.Node, args []string, out map[string]bool) {
	mangle := func(s string) string {
		var sb strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				sb.WriteRune(r)
			} else {
				sb.WriteByte('_')
			}
		}
		return sb.String()
	}
	switch method {
	case "emit_rustc_version":
		if nums := b.intArgs(argNode); len(nums) == 2 && nums[0] == 1 && nums[1] <= assumedRustcMinor {
			b.emit("rustc_1_"+strconv.Itoa(nums[1]), out)
		}
	case "emit_sysroot_crate":
		if len(args) == 1 {
			b.emit("has_"+mangle(args[0]), out)
		}
	case "emit_has_type", "emit_has_path", "emit_has_trait":
		if len(args) == 1 {
			b.emit("has_"+mangle(args[0]), out)
		}
	case "emit_type_cfg", "emit_path_cfg", "emit_trait_cfg", "emit_expression_cfg", "emit_constant_cfg":
		if len(args) == 2 {
			b.emit(args[1], out)
		}
	}
}

// stringArgs are a call's arguments as strings: literals, and parameters
// bound to literals; others are "".
func (b *bsReader) stringArgs(n *ts.Node, env *bsEnv) []string {
	if n == nil {
		return nil
	}
	var out []string
	for i := uint(0); i < n.NamedChildCount(); i++ {
		c := n.NamedChild(i)
		s := ""
		switch c.Kind() {
		case "string_literal":
			s, _ = unquoteRust(b.text(c))
		case "identifier":
			s = env.args[b.text(c)]
		}
		out = append(out, s)
	}
	return out
}

func (b *bsReader) intArgs(n *ts.Node) []int {
	if n == nil {
		return nil
	}
	var out []int
	for i := uint(0); i < n.NamedChildCount(); i++ {
		v, ok := b.intLit(n.NamedChild(i))
		if !ok {
			return nil
		}
		out = append(out, v)
	}
	return out
}

func (b *bsReader) intLit(n *ts.Node) (int, bool) {
	if n == nil || n.Kind() != "integer_literal" {
		return 0, false
	}
	digits := strings.TrimRightFunc(strings.ReplaceAll(b.text(n), "_", ""), func(r rune) bool { return r < '0' || r > '9' })
	v, err := strconv.Atoi(digits)
	return v, err == nil
}

// versionish reports whether an expression names the compiler's version.
func versionish(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "minor") || strings.Contains(s, "version") || strings.Contains(s, "rustc")
}

// eval decides a condition as far as the source tells.
func (b *bsReader) eval(n *ts.Node, env *bsEnv) tri {
	if n == nil {
		return triUnknown
	}
	switch n.Kind() {
	case "boolean_literal":
		return triOf(b.text(n) == "true")
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return b.eval(n.NamedChild(0), env)
		}
	case "identifier":
		if v, ok := env.vars[b.text(n)]; ok {
			return v
		}
		if strings.Contains(strings.ToLower(b.text(n)), "nightly") {
			return triFalse
		}
	case "field_expression":
		if f := n.ChildByFieldName("field"); f != nil && strings.Contains(b.text(f), "nightly") {
			return triFalse
		}
	case "unary_expression":
		if strings.HasPrefix(b.text(n), "!") && n.NamedChildCount() == 1 {
			return b.eval(n.NamedChild(0), env).not()
		}
	case "binary_expression":
		return b.evalBinary(n, env)
	case "macro_invocation":
		if m := n.ChildByFieldName("macro"); m != nil && b.text(m) == "cfg" {
			t := b.text(n)
			if i := strings.IndexByte(t, '('); i >= 0 && strings.HasSuffix(t, ")") {
				if x, err := cfgexpr.Parse(t[i+1 : len(t)-1]); err == nil {
					return b.featureEval(x)
				}
			}
		}
	case "call_expression":
		return b.evalCall(n, env)
	case "match_expression":
		if v := b.matchArm(n, env); v != nil {
			return b.eval(v, env)
		}
	case "block":
		if t := tail(n); t != nil {
			return b.eval(t, env)
		}
	}
	return triUnknown
}

// strVal is the string an expression surely has: a literal, a local or
// parameter bound to one, the target from `env::var("TARGET")`, and what
// keeps a string as it is (`&x`, `x[..]`, `.to_string()`, `.unwrap()`, a
// local function returning one, `match f() { Some(t) => t, None => … }`).
func (b *bsReader) strVal(n *ts.Node, env *bsEnv) (string, bool) {
	if n == nil || b.depth > 16 {
		return "", false
	}
	switch n.Kind() {
	case "string_literal":
		return unquoteRust(b.text(n))
	case "identifier":
		v, ok := env.args[b.text(n)]
		return v, ok
	case "reference_expression", "parenthesized_expression":
		if n.NamedChildCount() > 0 {
			return b.strVal(n.NamedChild(n.NamedChildCount()-1), env)
		}
	case "index_expression":
		if n.NamedChildCount() == 2 && n.NamedChild(1).Kind() == "range_expression" && b.text(n.NamedChild(1)) == ".." {
			return b.strVal(n.NamedChild(0), env)
		}
	case "try_expression":
		if n.NamedChildCount() == 1 {
			return b.strVal(n.NamedChild(0), env)
		}
	case "macro_invocation":
		// format!("CARGO_FEATURE_{}", name), with plain {} and known arguments.
		m := n.ChildByFieldName("macro")
		t := b.text(n)
		i := strings.IndexByte(t, '(')
		if m == nil || b.text(m) != "format" || i < 0 || !strings.HasSuffix(t, ")") {
			return "", false
		}
		parts := splitTop(t[i+1 : len(t)-1])
		if len(parts) == 0 {
			return "", false
		}
		tmpl, ok := unquoteRust(parts[0])
		if !ok || strings.Count(tmpl, "{") != len(parts)-1 || strings.Count(tmpl, "{}") != len(parts)-1 {
			return "", false
		}
		for _, a := range parts[1:] {
			v, ok := unquoteRust(a)
			if !ok {
				if v, ok = env.args[a]; !ok {
					return "", false
				}
			}
			tmpl = strings.Replace(tmpl, "{}", v, 1)
		}
		return tmpl, true
	case "match_expression":
		v := n.ChildByFieldName("value")
		body := n.ChildByFieldName("body")
		s, ok := b.strVal(v, env)
		if !ok || body == nil {
			return "", false
		}
		// match rustc_target() { Some(target) => target, None => return }
		for i := uint(0); i < body.NamedChildCount(); i++ {
			arm := body.NamedChild(i)
			pat, val := arm.ChildByFieldName("pattern"), arm.ChildByFieldName("value")
			if pat == nil || val == nil {
				continue
			}
			t := b.text(pat)
			inner, ok := strings.CutPrefix(t, "Some(")
			if !ok {
				inner, ok = strings.CutPrefix(t, "Ok(")
			}
			if ok && strings.HasSuffix(inner, ")") {
				name := strings.TrimSpace(strings.TrimSuffix(inner, ")"))
				if val.Kind() == "identifier" && b.text(val) == name {
					return s, true
				}
			}
		}
	case "call_expression":
		fn := n.ChildByFieldName("function")
		if fn == nil {
			return "", false
		}
		switch fn.Kind() {
		case "scoped_identifier", "identifier":
			name := b.text(fn)
			if strings.HasSuffix(name, "var") && (name == "var" || strings.HasSuffix(name, "::var")) {
				if args := b.stringArgs(n.ChildByFieldName("arguments"), env); len(args) == 1 && args[0] == "TARGET" && b.target != "" {
					return b.target, true
				} else if len(args) == 1 {
					if v, set, known := b.envVar(args[0]); known && set {
						return v, true
					}
				}
				return "", false
			}
			if f, ok := b.fns[name]; ok && !b.active[name] {
				return callValue(b, f, n.ChildByFieldName("arguments"), env, func(body *ts.Node, e *bsEnv) (string, bool) {
					return b.strVal(tail(body), e)
				})
			}
		case "field_expression":
			switch b.text(fn.ChildByFieldName("field")) {
			case "unwrap", "ok", "expect", "to_string", "to_owned", "as_str", "clone", "into", "unwrap_or_default":
				return b.strVal(fn.ChildByFieldName("value"), env)
			}
		}
	}
	return "", false
}

// tail is a block's value: its last expression, nil when it ends in a statement.
func tail(body *ts.Node) *ts.Node {
	if body == nil || body.NamedChildCount() == 0 {
		return nil
	}
	last := body.NamedChild(body.NamedChildCount() - 1)
	// A block-like expression ending the block (`match … { … }` with no `;`)
	// is parsed as an expression statement: it is still the value.
	if last.Kind() == "expression_statement" && last.NamedChildCount() == 1 && last.EndByte() == last.NamedChild(0).EndByte() {
		return last.NamedChild(0)
	}
	if last.Kind() == "expression_statement" || strings.HasSuffix(last.Kind(), "_declaration") {
		return nil
	}
	return last
}

// callValue evaluates local function f's body with its parameters bound to
// the string values of args (evaluated in env), through value.
func callValue[T any](b *bsReader, f *ts.Node, args *ts.Node, env *bsEnv, value func(body *ts.Node, e *bsEnv) (T, bool)) (T, bool) {
	var zero T
	name := b.text(f.ChildByFieldName("name"))
	if b.active[name] || b.depth > 16 {
		return zero, false
	}
	b.active[name] = true
	b.depth++
	defer func() { delete(b.active, name); b.depth-- }()
	e := &bsEnv{vars: map[string]tri{}, args: map[string]string{}}
	if ps := f.ChildByFieldName("parameters"); ps != nil && args != nil {
		j := uint(0)
		for i := uint(0); i < ps.NamedChildCount(); i++ {
			p := ps.NamedChild(i)
			if p.Kind() != "parameter" {
				continue
			}
			if j < args.NamedChildCount() {
				if v, ok := b.strVal(args.NamedChild(j), env); ok {
					if pat := p.ChildByFieldName("pattern"); pat != nil {
						e.args[b.text(pat)] = v
					}
				}
			}
			j++
		}
	}
	body := f.ChildByFieldName("body")
	if body == nil {
		return zero, false
	}
	return value(body, e)
}

// matchArm is the value of the arm a match on a known string takes: string
// literal patterns, `|` between them, and `_` or a binding for the rest.
func (b *bsReader) matchArm(n *ts.Node, env *bsEnv) *ts.Node {
	s, ok := b.strVal(n.ChildByFieldName("value"), env)
	body := n.ChildByFieldName("body")
	if !ok || body == nil {
		return nil
	}
	for i := uint(0); i < body.NamedChildCount(); i++ {
		arm := body.NamedChild(i)
		pat, val := arm.ChildByFieldName("pattern"), arm.ChildByFieldName("value")
		if pat == nil || val == nil {
			continue
		}
		switch m := b.patMatches(pat, s); m {
		case triTrue:
			return val
		case triUnknown:
			return nil
		}
	}
	return nil
}

// patMatches says whether pattern pat matches the string s.
func (b *bsReader) patMatches(pat *ts.Node, s string) tri {
	switch t := strings.TrimSpace(b.text(pat)); {
	case t == "_":
		return triTrue
	case pat.Kind() == "match_pattern" && pat.NamedChildCount() == 1:
		if pat.ChildByFieldName("condition") != nil {
			return triUnknown
		}
		return b.patMatches(pat.NamedChild(0), s)
	case pat.Kind() == "or_pattern":
		res := triFalse
		for i := uint(0); i < pat.NamedChildCount(); i++ {
			switch b.patMatches(pat.NamedChild(i), s) {
			case triTrue:
				return triTrue
			case triUnknown:
				res = triUnknown
			}
		}
		return res
	case pat.Kind() == "string_literal":
		v, ok := unquoteRust(t)
		if !ok {
			return triUnknown
		}
		return triOf(v == s)
	case pat.Kind() == "identifier":
		return triTrue // a binding takes the rest
	}
	return triUnknown
}

func (b *bsReader) evalBinary(n *ts.Node, env *bsEnv) tri {
	l, r := n.ChildByFieldName("left"), n.ChildByFieldName("right")
	op := n.ChildByFieldName("operator")
	if l == nil || r == nil || op == nil {
		return triUnknown
	}
	switch o := b.text(op); o {
	case "==", "!=":
		x, ok1 := b.strVal(l, env)
		y, ok2 := b.strVal(r, env)
		if ok1 && ok2 {
			return triOf((x == y) == (o == "=="))
		}
	case "&&":
		a, c := b.eval(l, env), b.eval(r, env)
		if a == triFalse || c == triFalse {
			return triFalse
		}
		if a == triTrue && c == triTrue {
			return triTrue
		}
	case "||":
		a, c := b.eval(l, env), b.eval(r, env)
		if a == triTrue || c == triTrue {
			return triTrue
		}
		if a == triFalse && c == triFalse {
			return triFalse
		}
	case "<", "<=", ">", ">=":
		// minor >= 30, version.minor < 31: a probe of the compiler's version.
		num, ok := b.intLit(r)
		other := l
		flip := false
		if !ok {
			if num, ok = b.intLit(l); !ok {
				return triUnknown
			}
			other, flip = r, true
		}
		if !versionish(b.text(other)) {
			return triUnknown
		}
		v, w := assumedRustcMinor, num
		if flip {
			v, w = num, assumedRustcMinor
		}
		switch o {
		case "<":
			return triOf(v < w)
		case "<=":
			return triOf(v <= w)
		case ">":
			return triOf(v > w)
		}
		return triOf(v >= w)
	}
	return triUnknown
}

// evalCall decides autocfg probes and CARGO_FEATURE_* environment checks.
func (b *bsReader) evalCall(n *ts.Node, env *bsEnv) tri {
	fn := n.ChildByFieldName("function")
	if fn != nil && fn.Kind() == "identifier" {
		// A local function deciding on its arguments (log's
		// target_has_atomic_cas(&target)).
		if f, ok := b.fns[b.text(fn)]; ok {
			v, _ := callValue(b, f, n.ChildByFieldName("arguments"), env, func(body *ts.Node, e *bsEnv) (tri, bool) {
				return b.eval(tail(body), e), true
			})
			return v
		}
	}
	if fn == nil || fn.Kind() != "field_expression" {
		return triUnknown
	}
	switch m := b.text(fn.ChildByFieldName("field")); m {
	case "starts_with", "ends_with", "contains":
		x, ok := b.strVal(fn.ChildByFieldName("value"), env)
		args := n.ChildByFieldName("arguments")
		if ok && args != nil && args.NamedChildCount() == 1 {
			if y, ok := b.strVal(args.NamedChild(0), env); ok {
				switch m {
				case "starts_with":
					return triOf(strings.HasPrefix(x, y))
				case "ends_with":
					return triOf(strings.HasSuffix(x, y))
				}
				return triOf(strings.Contains(x, y))
			}
		}
	}
	method := b.text(fn.ChildByFieldName("field"))
	recv := fn.ChildByFieldName("value")
	switch {
	case method == "probe_rustc_version":
		if nums := b.intArgs(n.ChildByFieldName("arguments")); len(nums) == 2 {
			return triOf(nums[0] == 1 && nums[1] <= assumedRustcMinor)
		}
	case strings.HasPrefix(method, "probe_"):
		return triTrue // a current compiler has what old ones lacked
	case method == "unwrap_or" && recv != nil && recv.Kind() == "call_expression":
		return b.mapUnwrapOr(recv, n.ChildByFieldName("arguments"), env)
	case method == "is_ok" || method == "is_some" || method == "is_err" || method == "is_none":
		if recv == nil || recv.Kind() != "call_expression" {
			return triUnknown
		}
		inner := recv.ChildByFieldName("function")
		if inner == nil || !strings.HasSuffix(b.text(inner), "var") && !strings.HasSuffix(b.text(inner), "var_os") {
			return triUnknown
		}
		args := b.stringArgs(recv.ChildByFieldName("arguments"), env)
		if len(args) != 1 {
			return triUnknown
		}
		feat, ok := strings.CutPrefix(args[0], "CARGO_FEATURE_")
		if !ok {
			_, set, known := b.envVar(args[0])
			if !known {
				return triUnknown
			}
			if method == "is_err" || method == "is_none" {
				set = !set
			}
			return triOf(set)
		}
		on := false
		for f := range b.features {
			if strings.ToUpper(strings.ReplaceAll(f, "-", "_")) == feat {
				on = true
			}
		}
		if method == "is_err" || method == "is_none" {
			on = !on
		}
		return triOf(on)
	}
	return triUnknown
}

// mapUnwrapOr decides env::var(NAME).map(|v| body).unwrap_or(default)
// (memchr's target_has_feature): body with v bound when NAME is set, the
// default when it is not.
func (b *bsReader) mapUnwrapOr(mapCall, defArgs *ts.Node, env *bsEnv) tri {
	mf := mapCall.ChildByFieldName("function")
	margs := mapCall.ChildByFieldName("arguments")
	if mf == nil || mf.Kind() != "field_expression" || b.text(mf.ChildByFieldName("field")) != "map" ||
		margs == nil || margs.NamedChildCount() != 1 || margs.NamedChild(0).Kind() != "closure_expression" {
		return triUnknown
	}
	name, ok := b.envCall(mf.ChildByFieldName("value"), env)
	if !ok {
		return triUnknown
	}
	val, set, known := b.envVar(name)
	switch {
	case !known:
		return triUnknown
	case !set:
		if defArgs != nil && defArgs.NamedChildCount() == 1 {
			return b.eval(defArgs.NamedChild(0), env)
		}
		return triUnknown
	}
	clo := margs.NamedChild(0)
	params, body := clo.ChildByFieldName("parameters"), clo.ChildByFieldName("body")
	if params == nil || body == nil || params.NamedChildCount() != 1 {
		return triUnknown
	}
	param, _, _ := strings.Cut(b.text(params.NamedChild(0)), ":")
	e := &bsEnv{vars: env.vars, args: map[string]string{}}
	for k, v := range env.args {
		e.args[k] = v
	}
	e.args[strings.TrimSpace(param)] = val
	return b.eval(body, e)
}

// featureEval decides cfg!(…) in a build script when it names only
// features or custom cfgs (set by --cfg, as RUSTFLAGS would give them to the
// script); the other keys describe the host the script runs on.
func (b *bsReader) featureEval(x cfgexpr.Expr) tri {
	switch x.Op {
	case cfgexpr.Not:
		if len(x.Args) == 1 {
			return b.featureEval(x.Args[0]).not()
		}
		return triUnknown
	case cfgexpr.All, cfgexpr.Any:
		res := triOf(x.Op == cfgexpr.All)
		for _, a := range x.Args {
			v := b.featureEval(a)
			switch {
			case v == triUnknown:
				res = triUnknown
			case x.Op == cfgexpr.All && v == triFalse, x.Op == cfgexpr.Any && v == triTrue:
				return v
			}
		}
		return res
	}
	if x.Key == "feature" && x.HasValue {
		return triOf(b.features[x.Value])
	}
	if x.Op == cfgexpr.Name && !x.HasValue && !cfg.WellKnown(x.Key) && b.env != nil {
		return triOf(slices.Contains(b.cfgs, x.Key))
	}
	return triUnknown
}

// unquoteRust reads a plain Rust string literal.
func unquoteRust(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	v, err := strconv.Unquote(s)
	if err != nil {
		return s[1 : len(s)-1], true
	}
	return v, true
}
