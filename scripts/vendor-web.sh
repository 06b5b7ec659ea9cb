#!/usr/bin/env bash
# Regenerates Clients/web/vendor/noble and Clients/web/vendor/tus from the pinned npm packages of
# scripts/vendor-web/package-lock.json (exact versions, integrity-checked by `npm ci`). The web client loads nothing
# from the internet, so the few pieces of third-party code it needs are committed; this script is how they got there,
# and how a reviewer checks that they are the published files:
#
#   ./scripts/vendor-web.sh && git diff --stat Clients/web/vendor     # no diff: the vendored tree is reproduced
#
# To upgrade: change the versions in scripts/vendor-web/package.json, run
#   (cd scripts/vendor-web && npm install --package-lock-only --ignore-scripts)
# then this script, and review the diff. Needs node and npm; nothing is installed into the repository.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC_DIR="$REPO_ROOT/scripts/vendor-web"
OUT_DIR="$REPO_ROOT/Clients/web/vendor/noble"
TUS_DIR="$REPO_ROOT/Clients/web/vendor/tus"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cp "$SPEC_DIR/package.json" "$SPEC_DIR/package-lock.json" "$WORK/"
# --ignore-scripts: no package code runs at install time.
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
node "$SPEC_DIR/vendor.mjs" "$WORK/node_modules" "$OUT_DIR"
# tus-js-client's browser build, one self-contained file, copied unchanged (the resumable upload of a shared file).
node "$SPEC_DIR/vendor-tus.mjs" "$WORK/node_modules" "$TUS_DIR"
