#!/usr/bin/env bash
# Starts versitygw (an S3-compatible gateway) on loopback with a posix backend in a
# temporary directory, creates a bucket, and prints the environment the S3 storage
# tests read:
#
#   eval "$(bash .ci/versitygw.sh)"     # start; exports DOCTOWN_TEST_S3_* and VERSITYGW_PID
#   bash .ci/versitygw.sh stop          # stop the gateway this script started
#
# Only `export` lines go to stdout; progress goes to stderr. The access key and secret
# are random per run (or DOCTOWN_TEST_S3_ACCESS_KEY/_SECRET if already set) and only
# ever reach a server on 127.0.0.1.
set -euo pipefail

VGW_MODULE=github.com/versity/versitygw
VGW_VERSION=v1.8.0
STATE=${VERSITYGW_STATE:-/tmp/doctown-versitygw}

log() { echo "versitygw.sh: $*" >&2; }

if [[ "${1:-}" == "stop" ]]; then
	if [[ -f "$STATE/pid" ]]; then
		kill "$(cat "$STATE/pid")" 2>/dev/null || true
		rm -f "$STATE/pid"
		log "stopped"
	fi
	exit 0
fi

bindir=$(go env GOBIN)
[[ -n "$bindir" ]] || bindir="$(go env GOPATH | cut -d: -f1)/bin"
bin="$bindir/versitygw"
if ! go version -m "$bin" 2>/dev/null | grep -q "mod[[:space:]]*$VGW_MODULE[[:space:]]*$VGW_VERSION"; then
	log "installing $VGW_MODULE/cmd/versitygw@$VGW_VERSION (takes several minutes the first time)"
	go install "$VGW_MODULE/cmd/versitygw@$VGW_VERSION" >&2
fi

# Stop a gateway a previous run of this script left behind.
if [[ -f "$STATE/pid" ]]; then
	kill "$(cat "$STATE/pid")" 2>/dev/null || true
fi
rm -rf "$STATE"
mkdir -p "$STATE/data"

access=${DOCTOWN_TEST_S3_ACCESS_KEY:-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
secret=${DOCTOWN_TEST_S3_SECRET:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
bucket=${DOCTOWN_TEST_S3_BUCKET:-doctown-test}
region=auto

# First free port from 7070 on loopback.
port=${VERSITYGW_PORT:-7070}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	port=$((port + 1))
done

log "starting on 127.0.0.1:$port, data in $STATE/data"
ROOT_ACCESS_KEY_ID="$access" ROOT_SECRET_ACCESS_KEY="$secret" VGW_REGION="$region" \
	nohup "$bin" --port "127.0.0.1:$port" posix "$STATE/data" >"$STATE/versitygw.log" 2>&1 </dev/null &
echo $! >"$STATE/pid"

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
	if curl -s -o /dev/null "$endpoint/"; then
		break
	fi
	if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
		log "versitygw exited:"
		cat "$STATE/versitygw.log" >&2
		exit 1
	fi
	sleep 0.1
done

# CreateBucket, signed with SigV4 by curl.
code=$(curl -s -o "$STATE/create-bucket.out" -w '%{http_code}' -X PUT \
	-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
	--aws-sigv4 "aws:amz:$region:s3" --user "$access:$secret" "$endpoint/$bucket")
if [[ "$code" != 200 ]]; then
	log "create bucket $bucket: HTTP $code"
	cat "$STATE/create-bucket.out" >&2
	exit 1
fi
log "bucket $bucket ready"

{
	echo "export DOCTOWN_TEST_S3_ENDPOINT=$endpoint"
	echo "export DOCTOWN_TEST_S3_ACCESS_KEY=$access"
	echo "export DOCTOWN_TEST_S3_SECRET=$secret"
	echo "export DOCTOWN_TEST_S3_BUCKET=$bucket"
	echo "export DOCTOWN_TEST_S3_REGION=$region"
	echo "export VERSITYGW_PID=$(cat "$STATE/pid")"
} | tee "$STATE/env"
chmod 600 "$STATE/env"
