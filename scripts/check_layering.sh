#!/usr/bin/env bash
# Holds the includes of src/ to the layers of src/layers.txt: a file in directory D may include "E/..." only when
# E is D or is on D's line, and <libssh/...> only when libssh is; main.cpp may include anything. Fails naming each
# offending file:line and the edge, and also on a file outside every layer and on a quoted include without a
# directory ("file.hpp" rather than "dir/file.hpp"). Notes a known exception that no include uses any more.
# Linking catches calls that run back up; this catches header-only uses too. ctest runs it as "layering".
#
#   scripts/check_layering.sh [SRC_DIR]   default: the src/ beside this script
set -euo pipefail
src="${1:-$(dirname "${BASH_SOURCE[0]}")/../src}"
layers="$src/layers.txt"
[[ -f $layers ]] || { echo "layering: no $layers" >&2; exit 2; }

declare -A allowed=() exception=() exception_used=()
while IFS= read -r line; do
  if [[ $line =~ ^exception\ ([a-z_]+):(.*)$ ]]; then
    for use in ${BASH_REMATCH[2]}; do exception["${BASH_REMATCH[1]} $use"]=1; done
  elif [[ $line =~ ^([a-z_]+):(.*)$ ]]; then
    read -ra uses <<<"${BASH_REMATCH[2]}"
    allowed["${BASH_REMATCH[1]}"]=" ${BASH_REMATCH[1]} ${uses[*]} "  # its own directory, then its line
  fi
done <"$layers"

failures=0
fail() {
  echo "layering: $1" >&2
  failures=$((failures + 1))
}

while IFS= read -r -d '' file; do
  relative="${file#"$src"/}"
  [[ $relative == main.cpp ]] && continue
  if [[ $relative != */* ]]; then
    fail "src/$relative: outside every layer (a file belongs in a directory of src/layers.txt)"
    continue
  fi
  layer="${relative%%/*}"
  if [[ -z ${allowed[$layer]:-} ]]; then
    fail "src/$relative: directory $layer/ is not a layer of src/layers.txt"
    continue
  fi
  # "N:#include ..." for quoted includes and <libssh/...>, the only angle includes a layer is held to.
  while IFS= read -r hit; do
    number="${hit%%:*}"
    text="${hit#*:}"
    if [[ $text =~ \<libssh/ ]]; then
      used=libssh
    elif [[ $text =~ \"([^\"/]+)/[^\"]*\" ]]; then
      used="${BASH_REMATCH[1]}"
    elif [[ $text =~ \"([^\"]*)\" ]]; then
      fail "src/$relative:$number: include \"${BASH_REMATCH[1]}\" without its directory (write \"dir/file.hpp\")"
      continue
    else
      continue
    fi
    [[ ${allowed[$layer]} == *" $used "* ]] && continue
    if [[ -n ${exception["$layer $used"]:-} ]]; then
      exception_used["$layer $used"]=1
      continue
    fi
    may_use="${allowed[$layer]# "$layer" }"
    may_use="${may_use% }"
    fail "src/$relative:$number: $layer -> $used runs against the layers (src/layers.txt: $layer may use ${may_use:-nothing})"
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*("|<libssh/)' "$file" || true)
done < <(find "$src" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print0 | sort -z)

for edge in "${!exception[@]}"; do
  [[ -n ${exception_used[$edge]:-} ]] ||
    echo "layering: note: the known exception ${edge/ / -> } is no longer used; remove it from src/layers.txt"
done

if [[ $failures -gt 0 ]]; then
  echo "layering: $failures include(s) against the layers" >&2
  exit 1
fi
echo "layering: every include of src/ follows src/layers.txt (${#allowed[@]} layers)"
