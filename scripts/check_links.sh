#!/usr/bin/env bash
# Checks that every relative link in the repository's Markdown resolves: the file or directory it names exists and,
# for a link with a #anchor into a Markdown file (or into the same file), that file has a heading with that
# GitHub-style anchor. Links with a scheme (https:, mailto:) are not followed. Links inside code (fenced blocks and
# `inline code`) are not links and are skipped.
#
#   scripts/check_links.sh [ROOT]    checks ROOT/README.md, ROOT/docs/*.md, ROOT/examples/**/*.md and
#                                    ROOT/modules/*.md (ROOT defaults to the repository)
#
# Prints one line per broken link, "file:line: broken link 'target': reason", and exits 1 if there was any.
set -uo pipefail
export LC_ALL=C
root="${1:-$(dirname "${BASH_SOURCE[0]}")/..}"
cd "$root" || { echo "check_links: cannot enter $root" >&2; exit 2; }
shopt -s nullglob globstar extglob

files=(README.md docs/*.md examples/**/*.md modules/*.md)
[[ -f README.md ]] || files=("${files[@]:1}")

# The anchors GitHub gives the headings of a Markdown file, one per line: the heading text in lower case, with
# every character other than a letter, digit, space, '-' or '_' dropped and each space made a '-'; a repeated
# anchor gets "-1", "-2", ... appended.
anchors_of() {
  local line text slug in_fence=false
  declare -A seen=()
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^[[:space:]]*(\`\`\`|~~~) ]]; then
      $in_fence && in_fence=false || in_fence=true
      continue
    fi
    $in_fence && continue
    [[ $line =~ ^#{1,6}[[:space:]]+(.*)$ ]] || continue
    text="${BASH_REMATCH[1]}"
    text="${text%%+([[:space:]])}"
    slug="${text,,}"
    slug="${slug//[^a-z0-9 _-]/}"
    slug="${slug// /-}"
    if [[ -n ${seen[$slug]+x} ]]; then
      seen[$slug]=$((seen[$slug] + 1))
      printf '%s\n' "$slug-${seen[$slug]}"
    else
      seen[$slug]=0
      printf '%s\n' "$slug"
    fi
  done <"$1"
}

# The link targets of one line of Markdown outside code: inline links [text](target "title") and reference
# definitions "[label]: target".
links_of_line() {
  local line="$1" rest
  while [[ $line =~ ^([^\`]*)\`[^\`]*\`(.*)$ ]]; do line="${BASH_REMATCH[1]}${BASH_REMATCH[2]}"; done
  rest="$line"
  while [[ $rest =~ \]\(([^\)[:space:]]+)(\ \"[^\"]*\")?\)(.*)$ ]]; do
    printf '%s\n' "${BASH_REMATCH[1]}"
    rest="${BASH_REMATCH[3]}"
  done
  if [[ $line =~ ^[[:space:]]*\[[^]]+\]:[[:space:]]+([^[:space:]]+) ]]; then printf '%s\n' "${BASH_REMATCH[1]}"; fi
}

declare -A anchor_cache=()
has_anchor() {  # FILE ANCHOR
  local file="$1" anchor="$2"
  if [[ -z ${anchor_cache[$file]+x} ]]; then anchor_cache[$file]="$(anchors_of "$file")"; fi
  grep -qxF -- "$anchor" <<<"${anchor_cache[$file]}"
}

broken=0
report() {  # FILE LINE TARGET REASON
  printf '%s:%s: broken link '\''%s'\'': %s\n' "$1" "$2" "$3" "$4"
  broken=$((broken + 1))
}

check_link() {  # FILE LINE TARGET
  local file="$1" number="$2" target="$3" path anchor resolved
  [[ $target =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]] && return 0  # https:, mailto:, ...
  path="${target%%#*}"
  anchor=""
  [[ $target == *"#"* ]] && anchor="${target#*#}"
  if [[ -z $path ]]; then
    resolved="$file"
  elif [[ $path == /* ]]; then
    resolved=".$path"
  else
    resolved="$(dirname "$file")/$path"
  fi
  if [[ ! -e $resolved ]]; then
    report "$file" "$number" "$target" "no such file or directory: $resolved"
    return
  fi
  [[ -z $anchor ]] && return 0
  if [[ ! -f $resolved || $resolved != *.md ]]; then
    report "$file" "$number" "$target" "an anchor into $resolved, which is not a Markdown file"
  elif ! has_anchor "$resolved" "$anchor"; then
    report "$file" "$number" "$target" "no heading in $resolved has the anchor #$anchor"
  fi
}

for file in "${files[@]}"; do
  number=0
  in_fence=false
  while IFS= read -r line || [[ -n $line ]]; do
    number=$((number + 1))
    if [[ $line =~ ^[[:space:]]*(\`\`\`|~~~) ]]; then
      $in_fence && in_fence=false || in_fence=true
      continue
    fi
    $in_fence && continue
    [[ $line == *"]"* ]] || continue
    while IFS= read -r target; do
      [[ -n $target ]] && check_link "$file" "$number" "$target"
    done < <(links_of_line "$line")
  done <"$file"
done

if ((broken > 0)); then
  echo "$broken broken link(s) in ${#files[@]} Markdown file(s)"
  exit 1
fi
echo "every relative link resolves (${#files[@]} Markdown files)"
