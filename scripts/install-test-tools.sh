#!/usr/bin/env bash
# Installs the programs the test suite starts for real when they are missing: nats-server (the NATS backend's tests)
# and Chromium (the native-messaging test in a real browser), both Debian packages. Runs apt-get as root (as CI is),
# or through sudo when it is available; otherwise says what to install and exits non-zero.
set -euo pipefail

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "The tests need these Debian packages: ${missing[*]}. Install them with: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing ${missing[*]} for the tests"
"${apt_get[@]}" update
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y "${missing[@]}"
