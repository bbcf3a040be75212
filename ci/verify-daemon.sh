#!/usr/bin/env bash
# Check a Docker Engine API daemon with fakedaemon: replay the recorded
# corpus (fakedaemon verify) and send generated requests for one API
# version (fakedaemon conform). Writes JUnit XML to $OUT.
#
#   ci/verify-daemon.sh                      start a fake daemon and check it
#   TARGET=unix:///var/run/docker.sock ci/verify-daemon.sh
#                                            check a daemon that already runs
#
# Settings (environment):
#   TARGET        daemon to check (unix:///PATH or tcp://127.0.0.1:PORT);
#                 empty starts `fakedaemon serve` on a private socket
#   ENGINE        engine profile of the started fake (default 26.1)
#   RIG           rig of the started fake (default real-dockerd)
#   RECORDINGS    corpus to replay (default: the one shipped with fakedaemon,
#                 for ENGINE); "none" skips verify
#   API_VERSION   version whose specification conform uses (default 1.45)
#   SPECS         folder of v1.NN.yaml specifications; empty skips conform
#   EXAMPLES      generated requests per operation (default 3)
#   OUT           folder for JUnit XML and logs (default ./fakedaemon-reports)
#   PYTHON        Python with fakedaemon installed (default python3)
#   FAKEDAEMON    command that runs fakedaemon (default: $PYTHON -m fakedaemon)
#   ALLOW_DIFFERENCES  1 makes verify differences a warning, not a failure
#
# Conform creates, changes and removes objects on the target: point it at
# a throwaway daemon only.
set -euo pipefail

engine=${ENGINE:-26.1}
rig=${RIG:-real-dockerd}
api_version=${API_VERSION:-1.45}
examples=${EXAMPLES:-3}
out=${OUT:-./fakedaemon-reports}
python=${PYTHON:-python3}
fakedaemon=${FAKEDAEMON:-$python -m fakedaemon}
target=${TARGET:-}
mkdir -p "$out"

started_pid=""
dir=""
cleanup() {
    if [ -n "$started_pid" ]; then
        kill "$started_pid" 2>/dev/null || true
        wait "$started_pid" 2>/dev/null || true
    fi
    if [ -n "$dir" ]; then
        rm -rf "$dir"
    fi
}
trap cleanup EXIT

if [ -z "$target" ]; then
    dir=$(mktemp -d)
    socket=$dir/docker.sock
    $fakedaemon serve -H "unix://$socket" --engine "$engine" --rig "$rig" \
        --offline > "$out/daemon.log" 2>&1 &
    started_pid=$!
    for _ in $(seq 1 100); do
        [ -S "$socket" ] && break
        sleep 0.1
    done
    if [ ! -S "$socket" ]; then
        echo "verify-daemon: fakedaemon did not start; log: $out/daemon.log" >&2
        exit 2
    fi
    target=unix://$socket
fi
echo "verify-daemon: checking $target"

status=0
recordings=${RECORDINGS:-}
if [ "$recordings" != "none" ]; then
    if [ -z "$recordings" ]; then
        recordings=$("$python" -c 'import contracts, pathlib
print(pathlib.Path(contracts.__file__).parent / "recorded")')/$engine
    fi
    if $fakedaemon verify --target "$target" --recordings "$recordings" \
        --junit "$out/verify.xml" > "$out/verify.txt"; then
        echo "verify-daemon: verify matched every exchange"
    elif [ "${ALLOW_DIFFERENCES:-0}" = 1 ]; then
        echo "verify-daemon: verify found differences (allowed)"
    else
        echo "verify-daemon: verify found differences" >&2
        status=1
    fi
    tail -n 1 "$out/verify.txt"
fi

if [ -n "${SPECS:-}" ]; then
    if ! $fakedaemon conform --target "$target" \
        --spec "$SPECS/v$api_version.yaml" --examples "$examples" \
        --junit "$out/conform.xml" | tee "$out/conform.txt"; then
        echo "verify-daemon: conform found problems" >&2
        status=1
    fi
fi
exit $status
