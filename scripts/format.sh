#!/usr/bin/env bash
# Formats the C++ sources (src/, tests/) with clang-format 14 and the repository's .clang-format.
#
#   scripts/format.sh            rewrites every file that is not formatted
#   scripts/format.sh --check    changes nothing; lists each file clang-format would change and exits 1 if any
#   scripts/format.sh [--check] FILE...   only those files
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=false
if [[ ${1:-} == --check ]]; then
  check=true
  shift
fi
clang_format="$(command -v clang-format-14 || command -v clang-format || true)"
if [[ -z $clang_format ]]; then
  echo "format.sh: clang-format 14 is not installed (Debian: apt-get install clang-format-14)" >&2
  exit 2
fi

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' | grep -v '^tests/fuzz/corpus/')
fi

if ! $check; then
  "$clang_format" -i --style=file "${files[@]}"
  exit 0
fi
# One process for every file first (a per-file run costs a minute); only when it finds something, name the files.
"$clang_format" --style=file --dry-run --Werror "${files[@]}" >/dev/null 2>&1 && exit 0
unformatted=0
for file in "${files[@]}"; do
  if ! "$clang_format" --style=file --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "$file: not formatted (scripts/format.sh $file)"
    unformatted=$((unformatted + 1))
  fi
done
if ((unformatted > 0)); then
  echo "$unformatted of ${#files[@]} files are not formatted"
  exit 1
fi
echo "all ${#files[@]} files are formatted"
