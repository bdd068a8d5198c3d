#!/usr/bin/env bash
# From a fresh clone to a running exporter probing a local demo sshd: builds, starts scripts/demo-sshd.sh, then
# runs the exporter in the foreground with the repository's exporter.toml (Ctrl-C stops it; the demo sshd keeps
# running until `scripts/demo-sshd.sh stop`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
bash scripts/demo-sshd.sh

port="${DEMO_SSHD_PORT:-2222}"
cat <<TEXT

ssh_probe_exporter is starting on :10025. In another terminal:

  curl 'http://127.0.0.1:10025/probe?target=127.0.0.1:${port}&module=default'
  curl 'http://127.0.0.1:10025/probe?target=127.0.0.1:${port}&module=default&debug=true'

TEXT
exec build/ssh_probe_exporter --config.file exporter.toml
