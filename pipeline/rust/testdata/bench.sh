#!/bin/sh
# bench.sh: every throughput figure for pipeline/rust from one script, over the
# same file list (the module trees of the Debian crates in bench_test.go):
# the I/O floor (cat), universal-ctags, the tree-sitter bare parse, and Extract
# with 1 and 2 workers. Run from the repository root:
#   sh pipeline/rust/testdata/bench.sh
set -eu
list=$(mktemp)
trap 'rm -f "$list"' EXIT
DOCTOWN_BENCH_FILES=$list go test ./pipeline/rust -run '^$' -bench 'BenchmarkBareParse' -benchtime 1x >/dev/null
bytes=$(xargs cat <"$list" | wc -c)
files=$(wc -l <"$list")
rate() { awk -v b="$bytes" -v f="$files" -v s="$2" -v n="$1" 'BEGIN { printf "%-8s %8.1f MB/s %10.0f files/s\n", n, b/s/1e6, f/s }'; }
t0=$(date +%s.%N); xargs cat <"$list" >/dev/null; t1=$(date +%s.%N)
rate cat "$(echo "$t1 - $t0" | bc)"
if command -v ctags >/dev/null; then
	t0=$(date +%s.%N); xargs ctags --languages=Rust -f /dev/null <"$list"; t1=$(date +%s.%N)
	rate ctags "$(echo "$t1 - $t0" | bc)"
fi
echo "files: $files  bytes: $bytes"
/usr/bin/time -v go test ./pipeline/rust -run '^$' -bench "BenchmarkExtract|BenchmarkBareParse" -benchtime 3x -benchmem 2>&1 |
	grep -E 'Benchmark|Maximum resident'
