#!/usr/bin/env bash
# The test half of scripts/test.sh; normally run by it inside a fresh
# network namespace (unshare --net, plus --pid), where only loopback exists
# and starts down.
#
#   bash scripts/test-inner.sh RESULTS_DIR [extra dotnet test args...]
#
# Brings up `lo`, starts Azurite (blob + table, in memory) on 127.0.0.1, waits
# until both ports accept connections, runs `dotnet test --no-build` with a
# TRX logger into RESULTS_DIR, and stops Azurite on any exit (trap).
# Exit status: that of `dotnet test` (or 1 if Azurite did not come up).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="${1:?usage: test-inner.sh RESULTS_DIR [dotnet test args...]}"
shift

SOLUTION="Media.sln"
CONFIGURATION="Release"
AZURITE_BIN="$REPO_ROOT/.tools/azurite/node_modules/.bin"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
AZURITE_START_TIMEOUT=60          # seconds
TEST_HANG_TIMEOUT="${TEST_HANG_TIMEOUT:-10m}"

# Azurite's well-known development account (public, documented by Microsoft).
DEV_ACCOUNT="devstoreaccount1"
DEV_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# Inside the namespace nothing may try the network: no telemetry, no
# first-run work, and `--no-build` below so nothing restores.
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false

AZURITE_PIDS=()
AZURITE_WORKDIR=""

log() { printf '==> %s\n' "$*"; }

# A new namespace's loopback is down; without this even 127.0.0.1 fails.
# (In the fallback, shared namespace it is already up and we may not be root.)
bring_up_loopback() {
  if command -v ip >/dev/null && ! ip link show lo | grep -q '[<,]UP[,>]'; then
    ip link set lo up
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# In the shared namespace (fallback) another Azurite may already hold a port.
check_port_free() {
  if port_open "$1"; then
    echo "!!! port $1 on 127.0.0.1 is already in use (another Azurite?)." >&2
    echo "!!! Stop it, or pick other ports: AZURITE_BLOB_PORT=... AZURITE_TABLE_PORT=..." >&2
    exit 1
  fi
}

start_azurite() {
  [[ -x "$AZURITE_BIN/azurite-blob" ]] || { echo "!!! Azurite is not installed in $AZURITE_BIN" >&2; exit 1; }
  check_port_free "$BLOB_PORT"
  check_port_free "$TABLE_PORT"
  # In-memory persistence writes nothing, but run from a scratch folder
  # anyway so a stray debug/db file never lands in the repo.
  AZURITE_WORKDIR="$(mktemp -d -t conclave-azurite.XXXXXX)"
  local common=(--inMemoryPersistence --disableTelemetry --skipApiVersionCheck)
  (cd "$AZURITE_WORKDIR" && exec "$AZURITE_BIN/azurite-blob" \
      --blobHost 127.0.0.1 --blobPort "$BLOB_PORT" "${common[@]}") \
      >"$RESULTS_DIR/azurite-blob.log" 2>&1 &
  AZURITE_PIDS+=($!)
  (cd "$AZURITE_WORKDIR" && exec "$AZURITE_BIN/azurite-table" \
      --tableHost 127.0.0.1 --tablePort "$TABLE_PORT" "${common[@]}") \
      >"$RESULTS_DIR/azurite-table.log" 2>&1 &
  AZURITE_PIDS+=($!)
}

# Bounded wait: poll both ports until they accept connections; fail fast if
# an Azurite process dies, give up after AZURITE_START_TIMEOUT seconds.
wait_for_azurite() {
  local start=$EPOCHREALTIME deadline=$((SECONDS + AZURITE_START_TIMEOUT)) pid
  until port_open "$BLOB_PORT" && port_open "$TABLE_PORT"; do
    for pid in "${AZURITE_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || azurite_failed "an Azurite process exited during startup"
    done
    ((SECONDS < deadline)) || azurite_failed "Azurite not ready after ${AZURITE_START_TIMEOUT}s"
    sleep 0.1
  done
  log "Azurite ready (blob :$BLOB_PORT, table :$TABLE_PORT) after $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s"
}

azurite_failed() {
  echo "!!! $1" >&2
  local f
  for f in "$RESULTS_DIR"/azurite-*.log; do
    echo "--- $f (tail)" >&2
    tail -n 20 "$f" >&2 || true
  done
  exit 1
}

# EXIT trap: also runs on failure and after Ctrl-C / SIGTERM (see traps
# below). Background jobs of a script ignore SIGINT, so without this Azurite
# would outlive the run.
stop_azurite() {
  local pid
  for pid in "${AZURITE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${AZURITE_PIDS[@]}"; do
    for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  AZURITE_PIDS=()
  [[ -z "$AZURITE_WORKDIR" ]] || rm -rf -- "$AZURITE_WORKDIR"
}

run_dotnet_test() {
  export CONCLAVE_TEST_AZURE_STORAGE="DefaultEndpointsProtocol=http;AccountName=$DEV_ACCOUNT;AccountKey=$DEV_KEY;BlobEndpoint=http://127.0.0.1:$BLOB_PORT/$DEV_ACCOUNT;TableEndpoint=http://127.0.0.1:$TABLE_PORT/$DEV_ACCOUNT;"
  # TRX: tests/Directory.Build.props turns on a TRX logger named after each
  # test project when ConclaveTestTrx=true. A --logger given on the command
  # line replaces that project setting, so then add an (unnamed) TRX logger.
  local trx=(-p:ConclaveTestTrx=true) arg
  for arg in "$@"; do
    case "$arg" in --logger|--logger:*|--logger=*|-l|-l:*) trx=(--logger trx); break ;; esac
  done
  # --blame-hang-timeout: a hung test host is killed and the running test is
  # named (Sequence_*.xml, read by trx-summary.mjs) instead of the run eating
  # the CI budget. No dump: big and not needed to find the test.
  local cmd=(dotnet test "$SOLUTION" -c "$CONFIGURATION" --no-build
    --results-directory "$RESULTS_DIR" "${trx[@]}"
    --blame-hang-timeout "$TEST_HANG_TIMEOUT" --blame-hang-dump-type none "$@")
  log "${cmd[*]}"
  cd "$REPO_ROOT"
  "${cmd[@]}"
}

main() {
  trap stop_azurite EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$RESULTS_DIR"
  bring_up_loopback
  start_azurite
  wait_for_azurite
  run_dotnet_test "$@"
}

main "$@"
