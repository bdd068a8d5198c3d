#!/usr/bin/env bash
# Installs what is missing (every list of scripts/deps/), then configures and builds everything (exporter, tests,
# benchmark) into build/; SPE_BUILD_TESTS=ON also turns the tests on in a build/ scripts/quickstart.sh configured.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPE_BUILD_TESTS=ON
ninja -C build
