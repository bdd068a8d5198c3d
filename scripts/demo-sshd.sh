#!/usr/bin/env bash
# A throw-away OpenSSH sshd on 127.0.0.1:${DEMO_SSHD_PORT:-2222} for trying the exporter by hand, running as the
# current user (root or not) with key authentication only; no account is created or changed.
# Everything lives in .demo/ at the repository root (gitignored).
#
#   scripts/demo-sshd.sh          start it (nothing to do if it is already running)
#   scripts/demo-sshd.sh stop     stop it
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

root=$(pwd)
demo="$root/.demo"
port="${DEMO_SSHD_PORT:-2222}"
pidfile="$demo/sshd.pid"

running_pid() {
  [[ -s $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    echo "demo sshd is not running"
    rm -f "$pidfile"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
  echo "demo sshd stopped"
}

generate() {
  mkdir -p "$demo"
  chmod 755 "$demo"  # sshd reads authorized_keys as the logged-in user
  [[ -f $demo/ssh_host_ed25519_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C demo-host -f "$demo/ssh_host_ed25519_key"
  [[ -f $demo/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C demo-client -f "$demo/id_ed25519"
  cp "$demo/id_ed25519.pub" "$demo/authorized_keys"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$demo/ssh_host_ed25519_key.pub")" >"$demo/known_hosts"
  cat >"$demo/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $demo/ssh_host_ed25519_key
PidFile $pidfile
AuthorizedKeysFile $demo/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $(id -un)
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
Subsystem sftp internal-sftp
CONFIG
}

start() {
  local pid
  if pid=$(running_pid); then
    echo "demo sshd already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  generate
  [[ $(id -u) -eq 0 ]] && mkdir -p /run/sshd  # privilege separation directory, needed when root
  rm -f "$pidfile"
  : >"$demo/sshd.log"
  # Without -D sshd detaches by itself once it listens, and writes its pid file.
  /usr/sbin/sshd -f "$demo/sshd_config" -E "$demo/sshd.log"
  for _ in $(seq 100); do
    if running_pid >/dev/null && grep -q "Server listening on 127.0.0.1 port $port" "$demo/sshd.log"; then
      echo "demo sshd running (pid $(running_pid)) on 127.0.0.1:$port as user $(id -un)"
      echo "  try: ssh -F /dev/null -i $demo/id_ed25519 -o UserKnownHostsFile=$demo/known_hosts" \
        "-p $port $(id -un)@127.0.0.1 true"
      return 0
    fi
    sleep 0.1
  done
  echo "demo sshd did not start; its log ($demo/sshd.log):" >&2
  cat "$demo/sshd.log" >&2
  return 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
