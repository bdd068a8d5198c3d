#!/usr/bin/env python3
"""A hostile SFTP server for the adversarial tests (tests/adversarial/sftp_adversarial_test.cpp).

An SSH server (paramiko) on 127.0.0.1 that logs in one client key and whose "sftp" subsystem misbehaves in
one way, chosen by --mode (see MODES). Mode "honest" answers the SFTP v3 subset the exporter speaks correctly:
the control that shows the other modes fail for their misbehaviour, not for a mistake of this server.

It prints "PORT <n>" on stdout once it listens. It never outlives its caller: it exits when its stdin reaches
EOF (the caller closed the pipe or died), on SIGTERM, and after --lifetime seconds whatever happens. Every
stream it sends is bounded in bytes and time.
"""

import argparse
import base64
import logging
import os
import posixpath
import signal
import socket
import struct
import sys
import threading
import traceback

import paramiko

# SFTP v3 (draft-ietf-secsh-filexfer-02) packet types and status codes.
FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_READ, FXP_WRITE, FXP_LSTAT = 1, 2, 3, 4, 5, 6, 7
FXP_FSTAT, FXP_OPENDIR, FXP_READDIR, FXP_REMOVE, FXP_REALPATH, FXP_STAT = 8, 11, 12, 13, 16, 17
FXP_STATUS, FXP_HANDLE, FXP_DATA, FXP_NAME, FXP_ATTRS = 101, 102, 103, 104, 105
FXP_EXTENDED, FXP_EXTENDED_REPLY = 200, 201
FX_OK, FX_EOF, FX_NO_SUCH_FILE, FX_OP_UNSUPPORTED = 0, 1, 2, 8
ATTR_SIZE, ATTR_PERMISSIONS = 0x1, 0x4

MODES = {
    "honest": "answers every request correctly (the control)",
    "oversize_length": "answers INIT with a packet length of 0xFFFFFFF0, then streams bytes (bounded)",
    "truncated": "sends the first bytes of VERSION, then nothing (keeps the channel open)",
    "wrong_ids": "answers every request after VERSION with a reply carrying another request id",
    "no_version": "never answers INIT (keeps the channel open)",
    "endless_readdir": "READDIR always returns 1000 more names, never EOF (bounded by the lifetime)",
    "huge_string": "answers REALPATH with a name whose string length is 0xFFFFFF00 in a small packet",
    "huge_count": "answers READDIR with a name count of 0xFFFFFFFF in a small packet",
    "garbage_status": "answers REALPATH with a STATUS of unknown code, control bytes and a bad string length",
    "close_mid_packet": "sends half of REALPATH's reply, then closes the channel",
    "stall_write": "never answers WRITE (answers what comes after it)",
    "stall_after_write": "answers nothing once the first WRITE comes, CLOSE and REMOVE included",
    "slow_remove": "answers the first REMOVE only when the next request comes (a second REMOVE: NO_SUCH_FILE)",
    "refuse_subsystem": "refuses the sftp subsystem",
    "drop_connection": "sends half of REALPATH's reply, then closes the TCP connection without a word",
    "stderr_flood": "answers REALPATH with no reply but a stream of stderr data (bounded)",
    "corrupt_read": "READ returns what was written with its first byte changed",
}

# The requests logged on stderr ("request OPEN /upload/name"), so that a test can tell what a client did.
LOGGED = {FXP_OPEN: "OPEN", FXP_CLOSE: "CLOSE", FXP_WRITE: "WRITE", FXP_READ: "READ", FXP_REMOVE: "REMOVE",
          FXP_OPENDIR: "OPENDIR", FXP_REALPATH: "REALPATH", FXP_STAT: "STAT", FXP_EXTENDED: "EXTENDED"}

ROOT = "/upload"
OVERSIZE_STREAM_BYTES = 64 * 1024 * 1024  # what oversize_length sends at most after its header
CHUNK = 32 * 1024


def u32(value):
    return struct.pack(">I", value)


def u64(value):
    return struct.pack(">Q", value)


def string(data):
    if isinstance(data, str):
        data = data.encode()
    return u32(len(data)) + data


def packet(kind, body):
    return u32(len(body) + 1) + bytes([kind]) + body


def absolute(path):
    """A path the client sent, relative to the login directory ROOT, as an absolute normal path."""
    return posixpath.normpath(posixpath.join(ROOT, path.decode(errors="replace")))


def dir_attrs():
    return u32(ATTR_PERMISSIONS) + u32(0o040755)


def file_attrs(size):
    return u32(ATTR_SIZE | ATTR_PERMISSIONS) + u64(size) + u32(0o100644)


# What endless_readdir answers to every READDIR: a packet of 44 KB, so that no client's bound on READDIR rounds
# (OpenSSH's server sends at most 100 names a round) is reached within a probe's deadline.
ENDLESS_NAMES = [("entry-%04d" % i, file_attrs(0)) for i in range(1000)]


def status(request_id, code, message=""):
    return packet(FXP_STATUS, u32(request_id) + u32(code) + string(message) + string(""))


def name_reply(request_id, names):
    body = u32(request_id) + u32(len(names))
    for name, attrs in names:
        body += string(name) + string(name) + attrs
    return packet(FXP_NAME, body)


class Reader:
    """Reads one request's fields."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, size):
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u32_at(self, at):
        return struct.unpack(">I", self.data[at:at + 4])[0] if len(self.data) >= at + 4 else 0

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def string(self):
        return self.take(self.u32())


class Stop(Exception):
    pass


class Subsystem:
    """One "sftp" channel played in the server's mode."""

    def __init__(self, channel, mode):
        self.channel, self.mode = channel, mode
        self.buffer = b""
        self.files = {}  # path -> bytes written by the client's write test
        self.handles = {}  # handle -> ("dir", [names left]) or ("file", path)
        self.next_handle = 0
        self.gone = False  # the channel is closed: nothing more is sent
        self.stalled = False  # stall_after_write: a WRITE came, nothing is answered any more
        self.held = None  # slow_remove: the first REMOVE's answer, until the next request comes (then b"")
        channel.settimeout(0.2)

    def run(self):
        try:
            self.serve()
        except (Stop, EOFError, OSError, paramiko.SSHException):
            pass
        except Exception:  # a mistake of this server: say so in its log (the test prints it on failure)
            traceback.print_exc()
        finally:
            self.channel.close()

    def send(self, data):
        """Sends data; a closed channel takes nothing more, yet what the client sent before it is still read."""
        view = memoryview(data)
        while view:
            if self.channel.closed:
                self.gone = True
                return
            try:
                sent = self.channel.send(view[:CHUNK])
            except socket.timeout:
                continue
            if sent <= 0:
                self.gone = True
                return
            view = view[sent:]

    def read_packet(self):
        while True:
            if len(self.buffer) >= 4:
                size = struct.unpack(">I", self.buffer[:4])[0]
                if size > 256 * 1024:
                    raise Stop()  # no client of ours sends that: stop rather than buffer it
                if len(self.buffer) >= 4 + size:
                    data, self.buffer = self.buffer[4:4 + size], self.buffer[4 + size:]
                    return data[0], Reader(data[1:])
            try:
                chunk = self.channel.recv(CHUNK)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError()
            self.buffer += chunk

    def idle(self):
        """Keeps the channel open, reading and dropping what comes, until the client leaves."""
        while True:
            try:
                if not self.channel.recv(CHUNK):
                    return
            except socket.timeout:
                continue

    def serve(self):
        kind, _ = self.read_packet()
        if kind != FXP_INIT:
            raise Stop()
        if self.mode == "no_version":
            return self.idle()
        version = packet(FXP_VERSION, u32(3) + string("statvfs@openssh.com") + string("2"))
        if self.mode == "oversize_length":
            return self.oversize()
        if self.mode == "truncated":
            self.send(version[:6])
            return self.idle()
        self.send(version)
        while True:
            kind, request = self.read_packet()
            if kind in LOGGED:
                print("request %s %s" % (LOGGED[kind], request.data[8:8 + request.u32_at(4)].decode(errors="replace")),
                      file=sys.stderr, flush=True)
            reply = self.answer(kind, request)
            if reply:
                self.send(reply)
            if self.mode in ("close_mid_packet", "drop_connection") and kind == FXP_REALPATH:
                if self.mode == "drop_connection":
                    self.channel.get_transport().sock.shutdown(socket.SHUT_RDWR)
                return

    def oversize(self):
        self.send(u32(0xFFFFFFF0) + bytes([FXP_VERSION]) + u32(3))
        filler = bytes(range(256)) * (CHUNK // 256)
        sent = 0
        while sent < OVERSIZE_STREAM_BYTES and not self.gone:
            self.send(filler)
            sent += len(filler)
        self.idle()

    def answer(self, kind, request):
        request_id = request.u32()
        if self.mode == "stall_after_write" and (self.stalled or kind == FXP_WRITE):
            self.stalled = True
            return None
        if self.held:  # slow_remove: the first REMOVE's answer goes before the next request's
            self.send(self.held)
            self.held = b""
        if self.mode == "slow_remove" and kind == FXP_REMOVE and self.held is None:
            self.held = self.answer_remove(request_id, request)
            return None
        if self.mode == "wrong_ids":
            return status(request_id + 1000, FX_OK)
        if kind == FXP_REALPATH:
            return self.answer_realpath(request_id, absolute(request.string()))
        if kind in (FXP_STAT, FXP_LSTAT):
            path = absolute(request.string())
            if path in self.files:
                return packet(FXP_ATTRS, u32(request_id) + file_attrs(len(self.files[path])))
            if path in (ROOT, "/"):
                return packet(FXP_ATTRS, u32(request_id) + dir_attrs())
            return status(request_id, FX_NO_SUCH_FILE, "No such file")
        if kind == FXP_OPENDIR:
            if absolute(request.string()) not in (ROOT, "/"):
                return status(request_id, FX_NO_SUCH_FILE, "No such file")
            return self.new_handle(request_id, ("dir", ["a.txt", "b.txt", "c.txt"]))
        if kind == FXP_READDIR:
            return self.answer_readdir(request_id, request.string())
        if kind == FXP_OPEN:
            path = absolute(request.string())
            self.files.setdefault(path, b"")
            return self.new_handle(request_id, ("file", path))
        if kind == FXP_WRITE:
            return None if self.mode == "stall_write" else self.answer_write(request_id, request)
        if kind == FXP_READ:
            return self.answer_read(request_id, request)
        if kind == FXP_CLOSE:
            self.handles.pop(request.string(), None)
            return status(request_id, FX_OK)
        if kind == FXP_REMOVE:
            return self.answer_remove(request_id, request)
        if kind == FXP_EXTENDED and request.string() == b"statvfs@openssh.com":
            fields = [4096, 4096, 1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 1 << 15, 7, 0, 255]
            return packet(FXP_EXTENDED_REPLY, u32(request_id) + b"".join(u64(f) for f in fields))
        return status(request_id, FX_OP_UNSUPPORTED, "Operation unsupported")

    def answer_remove(self, request_id, request):
        found = self.files.pop(absolute(request.string()), None) is not None
        return status(request_id, FX_OK if found else FX_NO_SUCH_FILE, "" if found else "No such file")

    def answer_realpath(self, request_id, path):
        if self.mode == "stderr_flood":
            return self.flood_stderr()
        if self.mode == "huge_string":
            # The packet holds a few bytes where the name's length says 4 GiB.
            return packet(FXP_NAME, u32(request_id) + u32(1) + u32(0xFFFFFF00) + b"upload")
        if self.mode == "garbage_status":
            body = u32(request_id) + u32(0xDEADBEEF) + string(b"\x1b[31m\x00\xff\xfe\n\r" * 40)
            return packet(FXP_STATUS, body + u32(0x7FFFFFFF) + b"en")
        reply = name_reply(request_id, [(path, dir_attrs())])
        if self.mode in ("close_mid_packet", "drop_connection"):
            return reply[:len(reply) // 2]
        return reply

    def flood_stderr(self):
        """Sends up to OVERSIZE_STREAM_BYTES of extended data (stderr) as fast as the client's window lets it."""
        filler = b"E" * CHUNK
        sent = 0
        while sent < OVERSIZE_STREAM_BYTES and not self.channel.closed:
            try:
                sent += self.channel.send_stderr(filler)
            except socket.timeout:
                continue
        return None

    def new_handle(self, request_id, what):
        handle = b"h%d" % self.next_handle
        self.next_handle += 1
        self.handles[handle] = what
        return packet(FXP_HANDLE, u32(request_id) + string(handle))

    def answer_readdir(self, request_id, handle):
        if self.mode == "huge_count":
            return packet(FXP_NAME, u32(request_id) + u32(0xFFFFFFFF) + string("a") + string("a") + u32(0))
        if self.mode == "endless_readdir":
            return name_reply(request_id, ENDLESS_NAMES)
        kind, names = self.handles.get(handle, ("dir", []))
        if not names:
            return status(request_id, FX_EOF, "End of file")
        self.handles[handle] = (kind, [])
        return name_reply(request_id, [(n, file_attrs(0)) for n in names])

    def answer_write(self, request_id, request):
        handle, offset, data = request.string(), request.u64(), request.string()
        _, path = self.handles.get(handle, ("file", ""))
        content = self.files.get(path, b"")
        self.files[path] = content[:offset].ljust(offset, b"\0") + data + content[offset + len(data):]
        return status(request_id, FX_OK)

    def answer_read(self, request_id, request):
        handle, offset, length = request.string(), request.u64(), request.u32()
        _, path = self.handles.get(handle, ("file", ""))
        content = self.files.get(path, b"")
        if offset >= len(content):
            return status(request_id, FX_EOF, "End of file")
        data = content[offset:offset + min(length, CHUNK)]
        if self.mode == "corrupt_read" and offset == 0:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        return packet(FXP_DATA, u32(request_id) + string(data))


class Server(paramiko.ServerInterface):
    def __init__(self, authorized_key, mode):
        self.authorized_key, self.mode = authorized_key, mode

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL if key.asbytes() == self.authorized_key else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name):
        if name != "sftp" or self.mode == "refuse_subsystem":
            return False
        subsystem = Subsystem(channel, self.mode)
        threading.Thread(target=subsystem.run, daemon=True).start()
        return True


def load_public_key(path):
    """The key blob of an OpenSSH public key line ("ssh-ed25519 AAAA... comment")."""
    with open(path) as lines:
        return base64.b64decode(lines.read().split()[1])


def load_host_key(path):
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key_file(path)
        except paramiko.SSHException:
            continue
    raise SystemExit("sftp_adversary: cannot read the host key " + path)


def serve_connection(sock, args, host_key, authorized_key):
    transport = paramiko.Transport(sock)
    try:
        transport.add_server_key(host_key)
        transport.start_server(server=Server(authorized_key, args.mode))
        channels = []  # held: paramiko closes a channel that is garbage-collected
        while transport.is_active():
            channel = transport.accept(0.2)
            if channel is not None:
                channels.append(channel)
    except (EOFError, OSError, paramiko.SSHException):
        pass
    finally:
        transport.close()


def watch_stdin():
    while os.read(0, 4096):
        pass
    os._exit(0)


def main():
    modes = "\n".join("  %-17s %s" % (name, what) for name, what in MODES.items())
    parser = argparse.ArgumentParser(description=__doc__, epilog="modes:\n" + modes,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", required=True, choices=sorted(MODES))
    parser.add_argument("--host-key", required=True, help="private host key file (OpenSSH format)")
    parser.add_argument("--authorized-key", required=True, help="the client's public key file (one line)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--lifetime", type=float, default=120.0, help="seconds before it exits whatever happens")
    parser.add_argument("--verbose", action="store_true", help="paramiko's debug log on stderr")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    signal.signal(signal.SIGTERM, lambda *unused: os._exit(0))
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    threading.Thread(target=watch_stdin, daemon=True).start()

    host_key, authorized_key = load_host_key(args.host_key), load_public_key(args.authorized_key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(sock, args, host_key, authorized_key),
                         daemon=True).start()


if __name__ == "__main__":
    main()
