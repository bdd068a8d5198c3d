#!/usr/bin/env bash
# Runs a test command only when what it needs is here; otherwise says what is missing and exits 77, which ctest
# reports as "Skipped" (SKIP_RETURN_CODE 77, tests/CMakeLists.txt) instead of a pass. CI runs as root with every
# tool installed (scripts/install-deps.sh): there nothing is skipped.
#
# Usage: run_if.sh REQUIREMENT... -- COMMAND [ARG...]
#   root            the effective user is root
#   program:NAME    NAME is on PATH
#   python3:MODULE  python3 can import MODULE (Debian's /usr/bin/python3 when there is one, as the tests use:
#                   the python3-* packages are installed for it, whatever python3 comes first on PATH)
set -u

python=/usr/bin/python3
[[ -x $python ]] || python=python3
missing=()
while (($#)) && [[ $1 != -- ]]; do
  case $1 in
    root) ((EUID == 0)) || missing+=("root (running as uid $EUID)") ;;
    program:?*) command -v "${1#program:}" >/dev/null 2>&1 || missing+=("${1#program:} on PATH") ;;
    python3:?*) "$python" -c "import ${1#python3:}" >/dev/null 2>&1 || missing+=("the python3 module ${1#python3:}") ;;
    *) echo "run_if: unknown requirement '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [[ ${1-} != -- ]] || (($# < 2)); then
  echo "usage: run_if.sh REQUIREMENT... -- COMMAND [ARG...]" >&2
  exit 2
fi
shift

if ((${#missing[@]})); then
  for what in "${missing[@]}"; do echo "SKIPPED: this test needs $what"; done
  exit 77
fi
"$@"
status=$?
# 77 means skipped to ctest: a command that fails with it (Catch2 exits with its count of failed assertions) is
# still a failure.
((status == 77)) && status=1
exit "$status"
