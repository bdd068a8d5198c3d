#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test ssh_probe_exporter, only those that are missing.
# Quiet and fast when everything is there; runs apt-get update only when something has to be installed.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git
  libssh-dev libboost-dev libboost-program-options-dev libtomlplusplus-dev libre2-dev zlib1g-dev
  libssl-dev libcrypt-dev openssl
  catch2
  openssh-server openssh-client
  dropbear-bin                  # the [dropbear] interop cases: another SSH server than OpenSSH
  tinysshd                      # a server with no RSA and no server-sig-algs (tests/integration/algorithms_test.cpp)
  python3-paramiko              # a paramiko 2.12 SSH server that sends libssh no server-sig-algs (same file)
  prometheus
  curl procps
  python3 python3-yaml systemd  # the examples checks: Kubernetes YAML, systemd-analyze verify
  help2man lintian dpkg-dev     # the Debian package: its man page, lintian, dpkg-shlibdeps (docs/packaging.md)
  clang libclang-rt-14-dev      # scripts/fuzz.sh: libFuzzer and clang's sanitizer runtimes
  clang-format-14               # scripts/format.sh
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

# Installing openssh-server (or prometheus) must not leave a system daemon running: the tests start their own
# sshd on a free loopback port. policy-rc.d answering 101 is Debian's way to tell maintainer scripts not to start
# services; it is created only for this install and only if the machine has none.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  "${sudo[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
  trap '"${sudo[@]}" rm -f '"$policy" EXIT
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
