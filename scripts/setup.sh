#!/usr/bin/env bash
# Installs the Debian 12 packages ccgpu needs, only those missing, and says
# which. Idempotent; works as root or through sudo.
set -euo pipefail

PACKAGES=(
  cmake make g++ pkg-config git
  clang libclang-rt-14-dev          # fuzz preset (libFuzzer)
  libssl-dev openssl                # crypto layer; `openssl speed/ocsp` in tests
  libexpected-dev                   # Result<T>
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  libxml2-dev libxmlsec1-dev xmlsec1  # RIM schema and XML-DSig
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} required Debian packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: installed ${missing[*]}"
