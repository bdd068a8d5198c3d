#!/usr/bin/env bash
# What CI runs (.ci/run): builds build/ with SPE_CI=ON, then one ctest run covers every suite of the release build
# and the three CI stages registered beside them (asan, tsan, fuzz: scripts/sanitize.sh and scripts/fuzz.sh, each
# building its own directory, as a build test and a run test). Exits with ctest's status; ctest's summary line is
# the last thing printed.
#
# ctest -j3: the stages' builds use both cores and take a lock among themselves, so one stage builds at a time
# while the release suites and the previous stage's run, which mostly wait on sshd, sockets and deadlines, go on
# beside it. COST puts the stage builds first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh  # every list of scripts/deps/: build, demo and test
start=$SECONDS
# Line tables (-g1) rather than full debug info: a quarter less compile time, and still enough for
# backtraces, perf and callgrind.
# Warnings are errors in CI; exported, so the sanitizer and fuzz stages ctest starts build the same way.
export SPE_WERROR=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSPE_BUILD_TESTS=ON -DSPE_CI=ON -DSPE_WERROR=ON
ninja -C build
echo "test.sh: release build took $((SECONDS - start)) s"
exec ctest --test-dir build --output-on-failure --no-tests=error -j3
