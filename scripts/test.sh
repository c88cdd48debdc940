#!/usr/bin/env bash
# Runs every test: installs the real servers and browser the tests start (scripts/install-test-tools.sh), then the
# Maven build (unit, multi-process, Spring, NATS, real-browser and Bitwarden SDK interop tests). Extra arguments go
# to Maven, for example `scripts/test.sh -Pstress`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
exec mvn -B -ntp verify "$@"
