#!/usr/bin/env bash
# Builds, then runs every test suite registered with ctest; exits with ctest's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
exec ctest --test-dir build --output-on-failure --no-tests=error
