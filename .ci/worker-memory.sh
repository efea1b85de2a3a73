#!/usr/bin/env bash
# Measures the RunPod worker's peak memory: builds doctown, starts a fake GitHub
# serving Debian's regex crate and a relay stand-in (a Go test helper), runs one
# job with `doctown worker runpod --test-input` under /usr/bin/time -v, and prints
# the maximum resident set size. Needs librust-regex-dev and the `time` package.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'touch "$work/fakes.json.stop"; wait || true; rm -rf "$work"' EXIT

go build -o "$work/doctown" ./cmd/doctown
go test -c -o "$work/worker.test" ./pipeline/worker
DOCTOWN_FAKES_FILE="$work/fakes.json" "$work/worker.test" -test.run '^TestServeFakesForMeasurement$' >"$work/fakes.log" 2>&1 &
for _ in $(seq 100); do [[ -s "$work/fakes.json" ]] && break; sleep 0.1; done
[[ -s "$work/fakes.json" ]] || { cat "$work/fakes.log"; exit 1; }
github="$(sed 's/.*"github":"\([^"]*\)".*/\1/' "$work/fakes.json")"
relay="$(sed 's/.*"relay":"\([^"]*\)".*/\1/' "$work/fakes.json")"

input="{\"input\":{\"repo\":\"debian/regex\",\"api_url\":\"$github\",\"job_id\":\"mem\",\"upload_token\":\"t\",\"upload_url\":\"$relay\"}}"
(cd "$work" && /usr/bin/time -v ./doctown worker runpod --test-input "$input" >out.json 2>time.log)
cat "$work/out.json"
grep -E 'Maximum resident set size|Elapsed \(wall clock\)' "$work/time.log"
