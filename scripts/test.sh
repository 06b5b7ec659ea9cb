#!/usr/bin/env bash
# Build Conclave and run the whole test suite, the same way on a developer's
# machine and in CI (.ci/run calls exactly this script).
#
#   ./scripts/test.sh                                   # everything
#   ./scripts/test.sh --filter FullyQualifiedName~Grains  # extra args go to `dotnet test`
#
# Steps: prerequisites (apt packages, dotnet, node/npm) -> Azurite from npm into
# .tools/azurite -> `dotnet build` (the only step that uses the network) ->
# tests inside fresh network + PID namespaces (as root): only loopback, so
# no test can reach anything but 127.0.0.0/8 and ::1 -> TRX summary.
#
# The output ends with the line `Tests: N passed, N failed, N skipped`.
# Exit status is non-zero if anything failed, the test run itself failed, or no
# test ran at all.
#
# Environment knobs (all optional):
#   CONCLAVE_TEST_NO_NETNS=1   run tests in the current network namespace
#   AZURITE_BLOB_PORT / AZURITE_TABLE_PORT   default 10000 / 10002
#   TEST_HANG_TIMEOUT          per-test-host hang timeout, default 10m
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPTS_DIR="$REPO_ROOT/scripts"
SOLUTION="Media.sln"
CONFIGURATION="Release"

# Debian packages the tests need. Add one word here for a new system dependency
# (e.g. chromium); they are checked with `dpkg -s` and installed only if missing.
#   iproute2   -> `ip`, to bring up loopback inside the test namespace
#   util-linux -> `unshare`, to create that namespace
#   chromium, firefox-esr -> the browsers of tests/Conclave.Browser.Tests
#                            (/usr/bin/chromium, /usr/bin/firefox-esr)
APT_PACKAGES=(iproute2 util-linux chromium firefox-esr ffmpeg)

AZURITE_VERSION="3.37.0"
AZURITE_DIR="$REPO_ROOT/.tools/azurite"

# One results folder per run (TestResults/ is git-ignored), so the summary only
# ever reads this run's TRX files. Older runs are pruned, keeping a few.
RUN_ID="$(date +%Y%m%d-%H%M%S)-$$"
RESULTS_DIR="$REPO_ROOT/TestResults/run-$RUN_ID"
KEEP_RUNS=5

# Nothing dotnet does should phone home: the test namespace has no network and
# CI has only the package registries.
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false
export DEBIAN_FRONTEND=noninteractive
# No build servers left running after the script: a lingering MSBuild node or
# compiler server would keep CI's output pipe open. (Overridable by developers.)
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"
export UseSharedCompilation="${UseSharedCompilation:-false}"

# ---------------------------------------------------------------- helpers ---

TIMINGS=()   # "label<TAB>seconds", printed at the end

log()  { printf '==> %s\n' "$*"; }
warn() { printf '\n!!! WARNING: %s\n\n' "$*" >&2; }
die()  { printf '\n!!! ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# step LABEL CMD... : run CMD, print and record how long it took, return its
# status. Bash ignores `set -e` inside a function whose status is tested (as
# here), so the step functions below check their commands explicitly (|| die).
step() {
  local label="$1"; shift
  local start=$EPOCHREALTIME rc=0 secs
  log "$label"
  "$@" || rc=$?
  secs=$(elapsed_since "$start")
  TIMINGS+=("$label"$'\t'"$secs")
  if ((rc == 0)); then log "$label: done in ${secs}s"
  else log "$label: FAILED (status $rc) after ${secs}s"
  fi
  return "$rc"
}

elapsed_since() {
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

print_timings() {
  local t
  echo "Timings:"
  for t in "${TIMINGS[@]}"; do
    printf '  %-34s %8ss\n' "${t%%$'\t'*}" "${t#*$'\t'}"
  done
}

# ---------------------------------------------------------- prerequisites ---

ensure_apt_packages() {
  if ! command -v dpkg >/dev/null; then
    warn "no dpkg: not a Debian-like system, cannot check ${APT_PACKAGES[*]}; continuing"
    return
  fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    echo "    apt packages present: ${APT_PACKAGES[*]}"
    return
  fi
  is_root || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
  echo "    installing: ${missing[*]}"
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
}

# The .NET 10 SDK: the one on PATH when it is version 10, else Microsoft's
# dotnet-install.sh puts one into .tools/dotnet (git-ignored, reused by later runs).
DOTNET_DIR="$REPO_ROOT/.tools/dotnet"
ensure_dotnet() {
  if [[ -x "$DOTNET_DIR/dotnet" ]]; then export DOTNET_ROOT="$DOTNET_DIR" PATH="$DOTNET_DIR:$PATH"; fi
  if ! command -v dotnet >/dev/null || [[ "$(dotnet --version 2>/dev/null)" != 10.* ]]; then
    if ! command -v curl >/dev/null; then
      is_root || die "curl is needed to install the .NET SDK (run: sudo apt-get install -y curl)"
      apt-get update -q && apt-get install -y -q --no-install-recommends curl ca-certificates || die "apt-get install curl failed"
    fi
    echo "    installing the .NET 10 SDK into $DOTNET_DIR"
    local installer
    installer="$(mktemp)"
    curl -fsSL https://dot.net/v1/dotnet-install.sh -o "$installer" || die "cannot download dotnet-install.sh"
    bash "$installer" --channel 10.0 --install-dir "$DOTNET_DIR" || die "the .NET SDK install failed"
    rm -f "$installer"
    export DOTNET_ROOT="$DOTNET_DIR" PATH="$DOTNET_DIR:$PATH"
  fi
  echo "    dotnet $(dotnet --version)"
}

# Azurite is a Node program. CI machines have node 20 + npm; only install the
# Debian ones when they are missing (never replace an existing node).
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    is_root || die "node and npm are needed for Azurite (run: sudo apt-get install -y nodejs npm)"
    echo "    installing nodejs npm"
    apt-get update -q || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends nodejs npm \
      || die "apt-get install nodejs npm failed"
  fi
  echo "    node $(node --version), npm $(npm --version)"
}

installed_azurite_version() {
  local pkg="$AZURITE_DIR/node_modules/azurite/package.json"
  if [[ -f "$pkg" ]]; then node -p "require(process.argv[1]).version" "$pkg" 2>/dev/null || true; fi
}

# Installs into .tools/azurite (git-ignored) so it survives between runs and a
# second run costs nothing. It warns EBADENGINE (wants Node 22); it runs on 20.
ensure_azurite() {
  local have
  have="$(installed_azurite_version)"
  if [[ "$have" == "$AZURITE_VERSION" && -x "$AZURITE_DIR/node_modules/.bin/azurite-blob" ]]; then
    echo "    azurite $have already in ${AZURITE_DIR#"$REPO_ROOT"/}"
    return
  fi
  echo "    installing azurite@$AZURITE_VERSION (found: ${have:-none})"
  mkdir -p "$AZURITE_DIR" || die "cannot create $AZURITE_DIR"
  npm install --prefix "$AZURITE_DIR" "azurite@$AZURITE_VERSION" \
    --no-audit --no-fund --no-update-notifier --loglevel=error \
    || die "npm install azurite@$AZURITE_VERSION failed"
  have="$(installed_azurite_version)"
  [[ "$have" == "$AZURITE_VERSION" ]] || die "azurite install failed (found: ${have:-none})"
}

# ------------------------------------------------------------ build + test ---

build_solution() {
  (cd "$REPO_ROOT" && dotnet build "$SOLUTION" -c "$CONFIGURATION")
}

# Prefer private namespaces: a network namespace with only `lo`, so tests,
# Azurite and (later) Chromium cannot send a packet anywhere else, and a PID
# namespace, so every process of the run (a hung test process that outlived
# its killed test host, say) dies with it instead of lingering and holding
# CI's output open. That needs root (CAP_SYS_ADMIN); on a developer's machine
# without it we say so loudly and run in the current namespaces.
UNSHARE=(unshare --net --pid --mount-proc --kill-child=SIGTERM --)

netns_available() {
  [[ "${CONCLAVE_TEST_NO_NETNS:-0}" != 1 ]] || return 1
  is_root || return 1
  command -v unshare >/dev/null && "${UNSHARE[@]}" true 2>/dev/null
}

run_tests() {
  mkdir -p "$RESULTS_DIR" || die "cannot create $RESULTS_DIR"
  local inner=(bash "$SCRIPTS_DIR/test-inner.sh" "$RESULTS_DIR" "$@")
  if netns_available; then
    echo "    isolation: fresh network namespace (loopback only) + PID namespace"
    "${UNSHARE[@]}" "${inner[@]}"
  else
    warn "NOT isolating tests in a network namespace ($(netns_reason)).
!!! Tests run in this machine's network namespace: Azurite binds 127.0.0.1,
!!! nothing stops a test from reaching other hosts, and a hung test process
!!! may outlive the run. CI runs as root and isolates."
    "${inner[@]}"
  fi
}

netns_reason() {
  if [[ "${CONCLAVE_TEST_NO_NETNS:-0}" == 1 ]]; then echo "CONCLAVE_TEST_NO_NETNS=1"
  elif ! is_root; then echo "not root"
  elif ! command -v unshare >/dev/null; then echo "no unshare"
  else echo "unshare failed: ${UNSHARE[*]}"
  fi
}

# Run folders are named by start time, so glob order is age order.
prune_old_results() {
  local runs=("$REPO_ROOT"/TestResults/run-*)
  [[ -e "${runs[0]}" ]] || return 0
  local excess=$((${#runs[@]} - KEEP_RUNS))
  ((excess <= 0)) || rm -rf -- "${runs[@]:0:excess}"
}

# Reads every TRX file of this run; prints per-assembly counts, failed test
# names and, last, `Tests: N passed, N failed, N skipped`. Exits 1 on any
# failure or when nothing ran.
summarize() {
  node "$SCRIPTS_DIR/trx-summary.mjs" "$RESULTS_DIR"
}

# -------------------------------------------------------------------- main ---

main() {
  cd "$REPO_ROOT"
  local total_start=$EPOCHREALTIME
  log "Conclave tests (run $RUN_ID, results in ${RESULTS_DIR#"$REPO_ROOT"/})"

  step "apt packages"      ensure_apt_packages
  step "dotnet"            ensure_dotnet
  step "node + npm"        ensure_node
  step "azurite $AZURITE_VERSION" ensure_azurite

  prune_old_results

  if ! step "build ($SOLUTION, $CONFIGURATION)" build_solution; then
    echo
    echo "!!! BUILD FAILED: no test was run"
    echo "Tests: 0 passed, 0 failed, 0 skipped"
    exit 1
  fi

  local test_status=0
  step "tests" run_tests "$@" || test_status=$?

  echo
  TIMINGS+=("total"$'\t'"$(elapsed_since "$total_start")")
  print_timings
  echo
  if ((test_status != 0)); then
    # Failing tests also make `dotnet test` exit 1; the summary below names
    # them. Without failed tests this means the run itself broke (crash,
    # hang, Azurite did not start): say so before the summary line.
    echo "!!! test step exited with status $test_status (details above and in ${RESULTS_DIR#"$REPO_ROOT"/})"
  fi
  local summary_status=0
  summarize || summary_status=$?
  if ((test_status != 0 || summary_status != 0)); then
    exit 1
  fi
}

main "$@"
