#!/usr/bin/env bash
# Installs, from Debian 12 packages only, whatever smpsim needs to build and test that is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config make
  libsystemc-dev libboost-dev pybind11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev valgrind
  clang libclang-rt-14-dev
  python3 python3-dev python3-pytest python3-numpy python3-matplotlib python3-distributed
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
