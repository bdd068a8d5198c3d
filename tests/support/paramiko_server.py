#!/usr/bin/env python3
"""A small SSH server on paramiko (Debian 12: python3-paramiko 2.12) for the interop tests.

It listens on 127.0.0.1 (on the port given, or on one it picks), prints "listening on PORT" on stdout once it
accepts connections, and serves every connection in a thread of its own:
  - its host key is the OpenSSH private key file given (Ed25519 or RSA);
  - one user may log in, with publickey only, with the one public key given;
  - an exec of the one command given prints the text given and exits 0; any other command exits 127.
--sha1-only makes it old gear as far as RSA user keys go: rsa-sha2-256 and rsa-sha2-512 are disabled, so only
ssh-rsa (SHA-1) signatures are accepted, and its server-sig-algs (RFC 8308) would leave them out.
Whatever the options, paramiko 2.12 sends no server-sig-algs to libssh 0.10.6 or OpenSSH 9.2: it sends them only
when "ext-info-c" is the client's last kex name, and both clients put "kex-strict-c-v00@openssh.com" after it.

It never outlives its test: it exits when its stdin closes, on SIGTERM, and after --lifetime seconds in any case.
Each connection has a deadline too. What it does goes to stderr, one line per event.
"""

import argparse
import base64
import os
import signal
import socket
import sys
import threading

import paramiko

CONNECTION_SECONDS = 20


def log(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def load_host_key(path):
    # ssh-keygen writes both types in the OpenSSH format; only the public half (in the .pub beside it) names it.
    with open(path + ".pub") as pub_file:
        key_type = pub_file.read().split()[0]
    if key_type == "ssh-ed25519":
        return paramiko.Ed25519Key.from_private_key_file(path)
    if key_type == "ssh-rsa":
        return paramiko.RSAKey.from_private_key_file(path)
    raise SystemExit("paramiko_server: unsupported host key type %r in %s.pub" % (key_type, path))


class Server(paramiko.ServerInterface):
    def __init__(self, args, authorized):
        self.args = args
        self.authorized = authorized  # (type, blob) of the one authorized key
        self.commands = {}  # channel id -> the command it asked to exec
        self.exec_requested = threading.Condition()

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_none(self, username):
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        accepted = username == self.args.user and (key.get_name(), key.asbytes()) == self.authorized
        log("auth publickey user=%s key=%s %s" % (username, key.get_name(), "accepted" if accepted else "refused"))
        return paramiko.AUTH_SUCCESSFUL if accepted else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        with self.exec_requested:
            self.commands[channel.get_id()] = command.decode("utf-8", "replace")
            self.exec_requested.notify_all()
        return True


def answer(channel, server):
    """Runs the exec a channel asked for: the paramiko transport thread only records it (its reply must go first)."""
    with server.exec_requested:
        if not server.exec_requested.wait_for(lambda: channel.get_id() in server.commands, CONNECTION_SECONDS):
            channel.close()
            return
        command = server.commands.pop(channel.get_id())
    log("exec %r" % command)
    if command == server.args.command:
        channel.sendall(server.args.output.encode() + b"\n")
        channel.send_exit_status(0)
    else:
        channel.sendall_stderr(b"unknown command\n")
        channel.send_exit_status(127)
    channel.close()


def serve(connection, args, host_key, authorized):
    connection.settimeout(CONNECTION_SECONDS)
    disabled = {"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]} if args.sha1_only else None
    transport = paramiko.Transport(connection, disabled_algorithms=disabled)
    try:
        transport.add_server_key(host_key)
        server = Server(args, authorized)
        transport.start_server(server=server)
        # One channel after another (a module with several commands opens one per command).
        while transport.is_active():
            channel = transport.accept(CONNECTION_SECONDS)
            if channel is None:
                break
            answer(channel, server)
    except Exception as error:  # a client that goes away is not the server's failure
        log("connection ended: %s" % error)
    finally:
        transport.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host-key", required=True)
    parser.add_argument("--authorized-key", required=True, help="an OpenSSH .pub file")
    parser.add_argument("--user", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--sha1-only", action="store_true")
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()

    host_key = load_host_key(args.host_key)
    with open(args.authorized_key) as pub_file:
        fields = pub_file.read().split()
    authorized = (fields[0], base64.b64decode(fields[1]))

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    print("listening on %d" % listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection, args, host_key, authorized), daemon=True).start()


if __name__ == "__main__":
    main()
