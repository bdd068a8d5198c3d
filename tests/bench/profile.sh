#!/usr/bin/env bash
# Where the exporter's CPU goes in one successful probe (key login + `true`): runs the built exporter
# under callgrind against the demo sshd (scripts/demo-sshd.sh), counts instructions over N probes
# (after a warm-up) and prints them per probe, by library and by step. Instruction counts, unlike
# seconds, repeat on a shared, loaded machine. Kernel time is not counted (see docs/benchmarks.md).
#   tests/bench/profile.sh [PROBES] [--output docs/profile.md]    default 50 probes; needs valgrind
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
probes=50
output=""
while (($#)); do
  case $1 in
    --output) output=$2; shift 2 ;;
    *) probes=$1; shift ;;
  esac
done
exporter=${SPE_EXPORTER:-build/ssh_probe_exporter}
[[ -x $exporter ]] || { echo "profile: build first (scripts/build.sh): no $exporter" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "profile: needs valgrind" >&2; exit 1; }

bash scripts/demo-sshd.sh >/dev/null
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; cp "$work"/callgrind.out.1 "${SPE_PROFILE_OUT:-/dev/null}" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/profile.toml" <<TOML
[modules.true]
private_key = "$PWD/.demo/id_ed25519"
known_hosts = "$PWD/.demo/known_hosts"
command = "true"
timeout = "30s"
TOML
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.out" \
  "$exporter" --config.file "$work/profile.toml" --web.listen-address 127.0.0.1:0 2>"$work/exporter.log" &
pid=$!
address=""
for _ in $(seq 300); do
  address=$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$work/exporter.log" | head -1)
  [[ -n $address ]] && break
  sleep 0.1
done
[[ -n $address ]] || { echo "profile: the exporter did not start" >&2; cat "$work/exporter.log" >&2; exit 1; }
url="http://$address/probe?target=127.0.0.1:2222&module=true"
for _ in 1 2 3; do curl -sf -m 60 "$url" | grep -q '^probe_success 1' || { echo "profile: warm-up probe failed" >&2; exit 1; }; done
callgrind_control -i on "$pid" >/dev/null 2>&1
urls=()
for _ in $(seq "$probes"); do urls+=("$url"); done
ok=$(curl -sf -m 600 "${urls[@]}" | grep -c '^probe_success 1' || true)
callgrind_control -d "$pid" >/dev/null 2>&1
for _ in $(seq 100); do [[ -s $work/callgrind.out.1 ]] && break; sleep 0.1; done
sleep 1
[[ $ok == "$probes" ]] || { echo "profile: only $ok of $probes probes succeeded" >&2; exit 1; }

annotate() { callgrind_annotate --threshold=100 "$@" "$work/callgrind.out.1" 2>/dev/null; }
per_probe() { awk -v n="$probes" '{gsub(",", "", $1); printf "%10.0f", $1 / n}'; }
total=$(annotate | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
report() {
echo "Instructions per probe (callgrind, user space, $probes probes of key login + true):"
printf '%10.0f  %s\n' "$((total / probes))" "all"
echo
echo "By library (instructions spent in each one's own code):"
annotate --inclusive=no | awk -v n="$probes" '
  /\[.*(\.so[.0-9]*|ssh_probe_exporter)\]$/ {
    ir = $1; gsub(",", "", ir); lib = $NF; sub(/.*\//, "", lib); sub(/\]$/, "", lib); by[lib] += ir }
  END { for (l in by) printf "%10.0f  %s\n", by[l] / n, l }' | sort -rn | head -8
echo
echo "By step (inclusive):"
annotate --inclusive=yes | awk -v n="$probes" '
  function show(label, pattern) { if ($0 ~ pattern && !(label in done)) { ir = $1; gsub(",", "", ir); done[label] = 1; printf "%10.0f  %s\n", ir / n, label } }
  { show("ssh_connect: key exchange (banner, kex, host key signature)", "[?]:ssh_connect ");
    show("  X25519 key generation", "EVP_PKEY_keygen ");
    show("  X25519 shared secret", "EVP_PKEY_derive ");
    show("  Ed25519 verify of the host key signature", "EVP_DigestVerify ");
    show("ssh_userauth_publickey: key login", "[?]:ssh_userauth_publickey ");
    show("  Ed25519 private key rebuilt by libssh for each signature", "EVP_PKEY_new_raw_private_key ");
    show("  Ed25519 sign", "EVP_DigestSign ");
    show("channel open (ssh_channel_open_session)", "[?]:ssh_channel_open_session ");
    show("exposition, history and log (ProbeEndpoint::finish)", "ProbeEndpoint::finish");
    show("malloc + free", "[?]:malloc ") }'
}

report
if [[ -n $output ]]; then
  {
    echo "# Where the CPU of a probe goes"
    echo
    echo "Written by \`tests/bench/profile.sh $probes --output $output\` on $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "callgrind counts the instructions the exporter runs in user space (every thread) while it"
    echo "answers $probes probes (key login with an Ed25519 key, host key checked against known_hosts,"
    echo "command \`true\`) against the demo sshd, after 3 warm-up probes. Counts repeat from run to run on a"
    echo "loaded machine, unlike seconds; the kernel's share (TCP on loopback, epoll) is not in them."
    echo
    echo '```'
    report
    echo '```'
    echo
    echo "How to read it: the four operations of the crypto floor in docs/benchmarks.md (two X25519, one"
    echo "Ed25519 verify, one Ed25519 sign) are the rows marked X25519, verify and sign. libssh 0.10 keeps an"
    echo "Ed25519 private key as raw bytes and builds an OpenSSL key from them for every signature, which"
    echo "derives the public key again (EVP_PKEY_new_raw_private_key): about as much work as a signature,"
    echo "beyond the floor and out of the exporter's reach. The rest of libcrypto is OpenSSL 3's per-operation"
    echo "algorithm lookups, hashing (exchange hash, key derivation) and the cipher."
  } >"$output"
  echo "profile: wrote $output"
fi
