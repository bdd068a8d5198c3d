#!/usr/bin/env bash
# Installs the Debian 12 packages ssh_probe_exporter needs, only those that are missing. The lists are in
# scripts/deps/, one place each:
#   build.txt  building the exporter binary             --build
#   demo.txt   the demo sshd the quick start probes     --demo
#   test.txt   the tests, the CI stages, the dev scripts (only with no option)
# With no option it installs all three (what scripts/build.sh and scripts/test.sh need); --build and --demo can
# be combined (scripts/quickstart.sh). --list prints the selected packages, one a line, and installs nothing.
# Quiet and fast when everything is there; runs apt-get update only when something has to be installed.
set -euo pipefail
deps="$(dirname "${BASH_SOURCE[0]}")/deps"

lists=()
list_only=false
for arg in "$@"; do
  case "$arg" in
    --build) lists+=(build) ;;
    --demo) lists+=(demo) ;;
    --list) list_only=true ;;
    *) echo "usage: $0 [--build] [--demo] [--list]" >&2; exit 2 ;;
  esac
done
[[ ${#lists[@]} -eq 0 ]] && lists=(build demo test)

packages=()
for list in "${lists[@]}"; do
  # Words of each line up to a "#".
  mapfile -t -O "${#packages[@]}" packages < <(sed -e 's/#.*//' "$deps/$list.txt" | tr -s ' \t' '\n' | sed '/^$/d')
done

if $list_only; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

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
