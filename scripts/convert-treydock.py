#!/usr/bin/python3
"""Turn a treydock/ssh_exporter YAML config into ssh_probe_exporter TOML modules.

Usage: scripts/convert-treydock.py ssh_exporter.yaml [-o exporter.toml]

Every key of every module is carried over or, where this exporter has no equivalent, named in a comment above
the module and on stderr, with what changes in behaviour. The output is a complete config: check it with
  ssh_probe_exporter --config.file exporter.toml --config.check
Written with -o, the file is created with mode 0600 (a module may hold a password). Exit status: 0 converted,
1 the input could not be read or is not a treydock config. Secrets are never written to stderr.
See docs/migrating.md.
"""

import argparse
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("convert-treydock: needs PyYAML (Debian: apt-get install python3-yaml)")

NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
PATH_KEYS = ("private_key", "certificate", "known_hosts")
KNOWN_KEYS = {"user", "password", "private_key", "certificate", "known_hosts", "host_key_algorithms", "timeout",
              "command", "command_expect", "output_metric", "output_truncate"}
# Names Go's crypto/ssh accepts that this exporter refuses (no DSA in Debian's libssh, no host certificates in
# libssh 0.10): --config.check would reject them, so the converter says so up front.
REFUSED_HOST_KEY_ALGORITHMS = re.compile(r"^(ssh-dss|.*-cert-v01@openssh\.com)$")
TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}


class Loader(yaml.BaseLoader):
    """Every scalar stays the text written, as Go's yaml decodes treydock's string fields: safe_load's YAML 1.1
    types turned `user: 0755` into "493", `command: 12:30` into "750" and a module `yes:` into True. Only a plain
    null (~, null, empty) is None, which Go reads as "" (unset)."""


Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                             ["~", "n", "N", ""])
Loader.add_constructor("tag:yaml.org,2002:null", lambda loader, node: None)


def toml_string(value):
    out = ['"']
    for ch in str(value):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def table_key(name):
    return name if BARE_KEY.match(name) else toml_string(name)


def comment(text):
    return "\n".join("# " + line if line else "#" for line in text.split("\n"))


class Module:
    def __init__(self, name):
        self.name = name
        self.lines = []     # key = value lines
        self.notes = []     # what cannot be carried, what changes

    def key(self, key, value):
        self.lines.append("%s = %s" % (key, value))

    def note(self, text):
        self.notes.append(text)


def scalar(module, spec, key):
    """The text of a string key, None when it is missing or empty (treydock's unset)."""
    value = spec.get(key)
    if isinstance(value, (dict, list)):
        module.note("%s: not a string in the YAML; left out." % key)
        return None
    return value or None


def convert_module(name, spec):
    module = Module(name)
    if not NAME.match(name):
        module.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"
        module.note("module name %r is not [A-Za-z0-9_.-]+; renamed %r: change module= in Prometheus too."
                    % (name, module.name))
    if not isinstance(spec, dict):
        module.note("the module is not a mapping in the YAML; nothing to carry over.")
        spec = {}

    for key in spec:
        if key not in KNOWN_KEYS:
            module.note("%s: not a key of treydock/ssh_exporter modules (it would refuse the file); left out."
                        % key)

    user = scalar(module, spec, "user")
    if user is not None:
        module.key("user", toml_string(user))

    paths = {key: scalar(module, spec, key) for key in PATH_KEYS}
    private_key = paths["private_key"]
    for key, path in paths.items():
        if path is None:
            continue
        if key == "certificate" and private_key is None:
            module.note("certificate: no private_key to go with it (treydock ignored it; --config.check "
                        "refuses it); left out.")
            continue
        module.key(key, toml_string(path))
        if not os.path.isabs(path):
            module.note("%s: %r is relative: this exporter reads it relative to the TOML file, not to the "
                        "directory it was started in." % (key, path))

    password = scalar(module, spec, "password")
    if password is not None and private_key is not None:
        # Carried over, the password would be sent whenever the key is refused: treydock never sent it.
        module.lines.append("# password = <not carried: treydock used the key only>")
        module.note("password: not carried: with private_key, treydock used only the key, and this exporter "
                    "would send the password when the key fails. Add password_file = \"/path\" if that is "
                    "wanted.")
    elif password is not None:
        module.key("password", toml_string(password))
        module.note("password: carried over as written; password_file = \"/path\" (mode 0600) keeps it out "
                    "of the config.")

    if paths["known_hosts"] is None:
        module.key("insecure_ignore_host_key", "true")
        module.note("!!! HOST KEYS ARE NOT VERIFIED IN THIS MODULE !!!\n"
                    "treydock/ssh_exporter accepted any host key when known_hosts was not set; this exporter "
                    "refuses to\nwithout insecure_ignore_host_key = true, so the converter set it to keep the "
                    "probe working.\nAnyone who can answer for the target sees the credentials. Replace it with "
                    "known_hosts or\nhost_key_fingerprints (docs/configuration.md#host-keys).")
    else:
        module.note("known_hosts: the host key is checked against it before any credential is sent; a key "
                    "of another type than the one recorded fails.")

    if "host_key_algorithms" in spec:
        algorithms = spec["host_key_algorithms"]
        if isinstance(algorithms, str):
            algorithms = [algorithms]
        if isinstance(algorithms, list) and all(isinstance(a, str) for a in algorithms):
            module.key("host_key_algorithms", "[" + ", ".join(toml_string(a) for a in algorithms) + "]")
            for refused in [a for a in algorithms if REFUSED_HOST_KEY_ALGORITHMS.match(a)]:
                module.note("host_key_algorithms: %s is not supported here (--config.check refuses it): "
                            "remove it." % refused)
        else:
            module.note("host_key_algorithms: not a list of names; left out.")

    if spec.get("timeout") is not None:
        timeout = spec["timeout"]
        if isinstance(timeout, str) and re.match(r"^\+?[0-9]+$", timeout) and int(timeout) > 0:
            module.key("timeout", toml_string("%ds" % int(timeout)))
        else:
            module.note("timeout: %s is not a positive whole number of seconds; left out (default \"10s\")."
                        % (timeout if isinstance(timeout, str) else "the value"))
    else:
        module.note("timeout: not set; treydock took --collector.ssh.default-timeout, this exporter's default "
                    "is \"10s\" (capped by the scrape timeout).")

    command = scalar(module, spec, "command")
    if command is not None:
        module.key("command", toml_string(command))
        module.note("command: probe_ssh_command_* series are named command=%r; at most 64 KiB of output is "
                    "read." % module.name)
    command_expect = scalar(module, spec, "command_expect")
    if command_expect is not None:
        if command is None:
            module.note("command_expect: no command to check (treydock ignored it); left out.")
        else:
            module.key("command_expect", toml_string(command_expect))

    if isinstance(spec.get("output_metric"), str) and spec["output_metric"] in TRUE:
        module.note("output_metric: cannot be carried: this exporter never puts command output in a label "
                    "(ssh_output{output}); read values from the output with [[modules.%s.commands.gauges]] "
                    "(docs/configuration.md#commands-and-metrics-from-their-output)." % module.name)
    elif "output_metric" in spec:
        module.note("output_metric: false; nothing to carry.")
    if "output_truncate" in spec:
        module.note("output_truncate: cannot be carried (only shaped ssh_output's label).")
    return module


def render(source, modules):
    out = ["# ssh_probe_exporter config converted from the treydock/ssh_exporter config %s" % source,
           "# by scripts/convert-treydock.py. Read the notes above each module, then check it with",
           "#   ssh_probe_exporter --config.file THIS_FILE --config.check",
           "# Prometheus scrapes /probe (was /ssh); docs/migrating.md has recording rules for the old metric names.",
           ""]
    for module in modules:
        for note in module.notes:
            out.append(comment(note))
        out.append("[modules.%s]" % table_key(module.name))
        out.extend(module.lines)
        out.append("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description="Convert a treydock/ssh_exporter YAML config to TOML modules.")
    parser.add_argument("yaml_file")
    parser.add_argument("-o", "--output", help="write the TOML here (mode 0600) instead of to stdout")
    args = parser.parse_args()

    try:
        with open(args.yaml_file, encoding="utf-8") as f:
            config = yaml.load(f, Loader=Loader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        sys.exit("convert-treydock: %s: %s" % (args.yaml_file, error))
    if not isinstance(config, dict) or not isinstance(config.get("modules"), dict) or not config["modules"]:
        sys.exit("convert-treydock: %s: no `modules:` mapping with at least one module" % args.yaml_file)
    for key in config:
        if key != "modules":
            print("convert-treydock: top-level key %r is not treydock's; left out" % key, file=sys.stderr)

    modules = [convert_module("" if name is None else str(name), spec) for name, spec in config["modules"].items()]
    seen = set()
    for module in modules:
        if module.name in seen:
            module.note("the renamed module collides with another; rename it by hand.")
        seen.add(module.name)
    text = render(args.yaml_file, modules)

    for module in modules:
        for note in module.notes:
            print("convert-treydock: module %s: %s" % (module.name, note.replace("\n", " ")), file=sys.stderr)

    if args.output:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
