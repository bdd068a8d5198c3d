#!/usr/bin/env bash
# From a fresh clone to a running exporter probing a local demo sshd. Installs only what building the exporter and
# running the demo sshd need (scripts/install-deps.sh --build --demo: no test packages), builds only the exporter
# binary (not the tests or the benchmark), starts scripts/demo-sshd.sh, then runs the exporter in the foreground
# with the repository's exporter.toml (Ctrl-C stops it; the demo sshd keeps running until
# `scripts/demo-sshd.sh stop`). scripts/build.sh and scripts/test.sh build everything into the same build/.
#
#   scripts/quickstart.sh             do it
#   scripts/quickstart.sh --dry-run   print the packages it would make sure are installed and the commands it would
#                                     run, and do nothing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dry_run=false
case "${1:-}" in
  "") ;;
  --dry-run) dry_run=true ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

# A build/ configured before (by scripts/build.sh, say) keeps its settings; a new one is a Release build without
# the tests, so that configuring needs nothing from the test list (Catch2).
configure=(cmake -S . -B build -G Ninja)
[[ -f build/CMakeCache.txt ]] || configure+=(-DCMAKE_BUILD_TYPE=Release -DSPE_BUILD_TESTS=OFF)
build=(ninja -C build ssh_probe_exporter)

if $dry_run; then
  echo "packages (installed if missing):"
  bash scripts/install-deps.sh --build --demo --list | sed 's/^/  /'
  echo "commands:"
  echo "  bash scripts/install-deps.sh --build --demo"
  echo "  ${configure[*]}"
  echo "  ${build[*]}"
  echo "  bash scripts/demo-sshd.sh"
  echo "  build/ssh_probe_exporter --config.file exporter.toml"
  exit 0
fi

bash scripts/install-deps.sh --build --demo
"${configure[@]}"
"${build[@]}"
bash scripts/demo-sshd.sh

port="${DEMO_SSHD_PORT:-2222}"
cat <<TEXT

ssh_probe_exporter is starting on :10025. In another terminal:

  curl 'http://127.0.0.1:10025/probe?target=127.0.0.1:${port}&module=default'
  curl 'http://127.0.0.1:10025/probe?target=127.0.0.1:${port}&module=default&debug=true'

TEXT
exec build/ssh_probe_exporter --config.file exporter.toml
