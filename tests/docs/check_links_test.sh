#!/usr/bin/env bash
# Tests scripts/check_links.sh on a small tree of Markdown files made here: it must pass a tree whose links all
# resolve, and fail one with broken links, naming each as file:line with the link and the reason, and nothing else.
set -uo pipefail
checker="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/check_links.sh"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tree/docs" "$tree/examples/deep"
cat >"$tree/README.md" <<'MD'
# Title

## Using it: with `Prometheus`

## Using it: with `Prometheus`

See [ops](docs/ops.md#file-descriptors-and-faults), [here](#using-it-with-prometheus),
[the second](#using-it-with-prometheus-1), [a dir](examples/), [web](https://example.com/x#y) and
[titled](docs/ops.md "Operations").

[ref]: docs/ops.md#limits_and-more
MD
cat >"$tree/docs/ops.md" <<'MD'
# Operations

### File descriptors and faults

## Limits_and more!

```
[not a link](nowhere.md)
```

Back to the [README](../README.md#title); `[code](nowhere.md)` is not a link.
MD
cat >"$tree/examples/deep/notes.md" <<'MD'
# Notes

[up](../../docs/ops.md#operations)
MD

out="$(bash "$checker" "$tree" 2>&1)"
rc=$?
[[ $rc -eq 0 ]] || fail "a tree whose links resolve: exit $rc, output: $out"

cat >>"$tree/docs/ops.md" <<'MD'
A [missing file](missing.md) and a [missing anchor](../README.md#no-such-heading),
[an anchor into a directory](../examples#x), [a third copy](../README.md#using-it-with-prometheus-2).
MD
cat >>"$tree/examples/deep/notes.md" <<'MD'

[ref2]: ../nothing-here.txt
MD

out="$(bash "$checker" "$tree" 2>&1)"
rc=$?
[[ $rc -eq 1 ]] || fail "a tree with broken links: exit $rc, expected 1"
expected="docs/ops.md:12: broken link 'missing.md': no such file or directory: docs/missing.md
docs/ops.md:12: broken link '../README.md#no-such-heading': no heading in docs/../README.md has the anchor #no-such-heading
docs/ops.md:13: broken link '../examples#x': an anchor into docs/../examples, which is not a Markdown file
docs/ops.md:13: broken link '../README.md#using-it-with-prometheus-2': no heading in docs/../README.md has the anchor #using-it-with-prometheus-2
examples/deep/notes.md:5: broken link '../nothing-here.txt': no such file or directory: examples/deep/../nothing-here.txt
5 broken link(s) in 3 Markdown file(s)"
[[ $out == "$expected" ]] || fail "the report differs; got:
$out
expected:
$expected"

if ((failures > 0)); then exit 1; fi
echo "check_links.sh passes a good tree and names every broken link of a bad one"
