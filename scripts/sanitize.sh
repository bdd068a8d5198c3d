#!/usr/bin/env bash
# Builds the exporter and the tests with sanitizers in a build directory of their own and runs the suites under
# them; fails on any report, in the test process or in the exporter the system tests start.
#
#   scripts/sanitize.sh address [build|run]   build-asan/: ASan + UBSan (fatal), the unit, integration and adversarial
#                                             suites (both steps unless one is named; CI runs them as two tests)
#   scripts/sanitize.sh thread    build-tsan/: TSan, the tests tagged [concurrency] (threads in the test process, or
#                                 the exporter's io threads and lookup pool under concurrent HTTP load)
#
# SPE_WERROR=ON in the environment (scripts/test.sh sets it) makes warnings errors here too.
#
# Reports go to files (log_path) in a fresh directory, because the exporter's stderr is a log file owned by the test;
# a non-empty directory after the run fails the stage and prints every report. halt_on_error makes a report end its
# process at once with a distinctive status (ASan 86, TSan 66), so the test that ran it fails too. Suppressions
# (tests/sanitizers/*.supp) only name third-party false positives, each with its reason.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

kind="${1:-}"
step="${2:-all}"
case "$step" in
  all | build | run) ;;
  *) echo "usage: $0 address|thread [build|run]" >&2; exit 2 ;;
esac
case "$kind" in
  address)
    build=build-asan
    sanitize=address,undefined
    flags="-O0 -g1"
    suites=("unit_tests [unit]" "system_tests [integration]" "system_tests [adversarial]~[sftp]")
    # The hostile SFTP servers are paramiko servers (ctest's "sftp_adversarial" test, which skips them otherwise).
    if bash tests/run_if.sh python3:paramiko -- true >/dev/null; then
      suites+=("system_tests [adversarial][sftp]")
    else
      echo "sanitize: no python3 paramiko, [adversarial][sftp] cases not run"
    fi
    # The password cases need root (ctest's "root" test, which skips them otherwise); CI runs as root.
    if ((EUID == 0)); then suites+=("system_tests [root]"); else echo "sanitize: not root, [root] cases not run"; fi
    ;;
  thread)
    build=build-tsan
    sanitize=thread
    flags="-O1 -g1"
    suites=("unit_tests [concurrency]" "system_tests [concurrency]")
    ;;
  *) echo "usage: $0 address|thread [build|run]" >&2; exit 2 ;;
esac

if [[ $step != run ]]; then
  bash scripts/install-deps.sh
  # Line tables (-g1) are all a report needs. Optimisation is chosen by compile time, which decides this stage's cost
  # on two cores (CPU seconds of g++ 12 for src/http/routes.cpp: -O2 -g 8.7; ASan+UBSan -O1 12.5, -Og 7.6, -O0 5.6;
  # TSan -O1 5.2): UBSan's checks are what makes optimising slow, so ASan+UBSan builds at -O0, TSan at -O1.
  # A unity build of the libraries (CMake joins up to 8 files of a library into one translation unit): the headers
  # they share (Boost.Asio and Beast, libssh, TOML++) are parsed and instantiated once per batch rather than once
  # per file, about half the compile CPU of those files. The test executables opt out (tests/CMakeLists.txt).
  # Developers' and the release build stay one file at a time, so a missing include still fails there; here, two
  # files of one library must not define the same name in their anonymous namespaces (docs/development.md).
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" \
    -DCMAKE_UNITY_BUILD=ON -DSPE_SANITIZE="$sanitize" -DSPE_WERROR="${SPE_WERROR:-OFF}" >/dev/null
  ninja -C "$build" unit_tests system_tests
fi
[[ $step == build ]] && exit 0
[[ -x $build/tests/system_tests ]] || { echo "sanitize: build $build first ($0 $kind build)" >&2; exit 1; }

reports=$(mktemp -d /tmp/spe-sanitize.XXXXXX)
trap 'rm -rf "$reports"' EXIT
supp="$root/tests/sanitizers"
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp:log_path=$reports/ubsan"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$supp/tsan.supp:log_path=$reports/tsan"

status=0
for suite in "${suites[@]}"; do
  read -r binary tag <<<"$suite"
  echo "sanitize ($sanitize): $binary $tag"
  start=$SECONDS
  if ! "$build/tests/$binary" "$tag"; then
    echo "sanitize ($sanitize): $binary $tag FAILED" >&2
    status=1
  fi
  echo "sanitize ($sanitize): $binary $tag took $((SECONDS - start)) s"
done

if compgen -G "$reports/*" >/dev/null; then
  for report in "$reports"/*; do
    echo "---- sanitizer report $(basename "$report") ----" >&2
    cat "$report" >&2
  done
  echo "sanitize ($sanitize): reports above" >&2
  status=1
fi
[[ $status -eq 0 ]] && echo "sanitize ($sanitize): no reports"
exit "$status"
