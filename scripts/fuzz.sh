#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang into build-fuzz/ and runs each one for a bounded time on a
# temporary copy of its seed corpus (tests/fuzz/corpus/<target>/), so the tree is never changed. Fails on the
# first crash, sanitizer report, leak or timeout; the input that caused it is kept in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh                       every target, FUZZ_SECONDS (default 20) each
#   scripts/fuzz.sh target params         only those
#   FUZZ_SECONDS=600 scripts/fuzz.sh output   a longer session of one target
#   scripts/fuzz.sh --build-only | --run-only [target...]   one step (CI runs them as two tests)
# SPE_WERROR=ON in the environment (scripts/test.sh sets it) makes warnings errors in the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all_targets=(config target params output prometheus_text known_hosts terminal_text sftp_packet)
build_step=true
run_step=true
case "${1:-}" in
  --build-only) run_step=false; shift ;;
  --run-only) build_step=false; shift ;;
esac
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
seconds="${FUZZ_SECONDS:-20}"
build=build-fuzz

if $build_step; then
  bash scripts/install-deps.sh
  cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DSPE_WERROR="${SPE_WERROR:-OFF}" >/dev/null
  ninja -C "$build" "${targets[@]/#/fuzz_}"
fi
$run_step || exit 0

work=$(mktemp -d /tmp/spe-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
failed=()
for target in "${targets[@]}"; do
  [[ -d tests/fuzz/corpus/$target ]] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$target" >&2; exit 2; }
  mkdir -p "$work/$target/corpus" "$work/$target/tmp"
  cp tests/fuzz/corpus/"$target"/* "$work/$target/corpus/"
  echo "fuzz: $target for ${seconds}s"
  # stdin from /dev/null: a fuzzed config may name /dev/stdin as a secret file. TMPDIR: where fuzz_config makes
  # its empty directory, removed with the rest.
  if TMPDIR="$work/$target/tmp" UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$work/$target/corpus" \
      </dev/null >"$work/$target.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' "$work/$target.log" |
      tr '\n' ' '
    echo
  else
    tail -n 60 "$work/$target.log"
    echo "fuzz: $target FAILED; the input is in $build/artifacts/" >&2
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
