#!/bin/sh
# speed.sh: the whole `doctown build` against a bare tree-sitter parse of the
# same files, one table from one `go test -bench` run (BenchmarkCommand in
# cmd/doctown/speed_test.go). Each cell is the median of COUNT runs (default 3)
# with the range; the machine's load average is printed before and after,
# since other processes share the cores. Run from the repository root:
#   sh cmd/doctown/testdata/speed.sh            # COUNT=5 sh … for more runs
set -eu
count=${COUNT:-3}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
go test ./cmd/doctown -run '^$' -bench 'BenchmarkCommand' -benchtime 1x -count "$count" -timeout 60m >"$raw"
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
function med(key,   n, i, j, t, a) {
	n = split(vals[key], a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	lo[key] = a[1]; hi[key] = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function cell(key, unit,   m) {
	if (!(key in vals)) return "—"
	m = med(key)
	return sprintf("%.2f%s (%.2f–%.2f)", m, unit, lo[key], hi[key])
}
/^BenchmarkCommand\// {
	split($1, p, "/"); c = p[2]; sub(/^corpus=/, "", c); sub(/-[0-9]+$/, "", p[4]); sub(/-[0-9]+$/, "", p[3])
	what = (p[3] == "floor") ? "floor" : p[4]
	if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
	for (i = 2; i <= NF; i++) {
		if ($(i) == "ns/op") vals[c SUBSEP what SUBSEP "s"] = vals[c SUBSEP what SUBSEP "s"] " " $(i-1) / 1e9
		if ($(i) == "MB/s") mbs[c] = $(i-1)
		if ($(i) == "peak-RSS-MB") vals[c SUBSEP what SUBSEP "rss"] = vals[c SUBSEP what SUBSEP "rss"] " " $(i-1)
		if ($(i) == "cpu-s/op") vals[c SUBSEP what SUBSEP "cpu"] = vals[c SUBSEP what SUBSEP "cpu"] " " $(i-1)
		if ($(i) == "package-%") vals[c SUBSEP what SUBSEP "pkg"] = vals[c SUBSEP what SUBSEP "pkg"] " " $(i-1)
	}
}
END {
	print "Wall time, then CPU time (user + system), median of the runs (range):"
	print ""
	print "| corpus | bare parse, 2 goroutines | build, 1 worker | build, 2 workers | 2 workers ÷ bare parse | 2 workers vs 1 | package share (2 workers) | peak RSS (2 workers) | CPU: bare parse | CPU: build, 2 workers | CPU ratio |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (k = 1; k <= nc; k++) {
		c = order[k]
		f = c SUBSEP "floor" SUBSEP "s"; w1 = c SUBSEP "workers=1" SUBSEP "s"; w2 = c SUBSEP "workers=2" SUBSEP "s"
		r1 = cell(f, " s"); r2 = cell(w1, " s"); r3 = cell(w2, " s")
		ratio = (f in vals && w2 in vals) ? sprintf("%.2f×", med(w2) / med(f)) : "—"
		sp = (w1 in vals && w2 in vals) ? sprintf("%.2f×", med(w1) / med(w2)) : "—"
		fc = c SUBSEP "floor" SUBSEP "cpu"; bc = c SUBSEP "workers=2" SUBSEP "cpu"
		cr = (fc in vals && bc in vals) ? sprintf("%.2f×", med(bc) / med(fc)) : "—"
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, r1, r2, r3, ratio, sp, cell(c SUBSEP "workers=2" SUBSEP "pkg", "%"), cell(c SUBSEP "workers=2" SUBSEP "rss", " MB"), cell(fc, " s"), cell(bc, " s"), cr
	}
}' "$raw"
