#include "bench/figure_list.hpp"

#include <array>

namespace spe::bench {
namespace {

constexpr std::array kFigures{
    FigureSpec{1, "CPU per probe", figure_cpu_per_probe,
               "600 probes (key login to the loopback sshd, host key checked against a one-line known_hosts, "
               "command `true`) through 16 keep-alive HTTP connections, after 32 warm-up probes. The exporter's "
               "CPU is the whole process (every thread, user + system, HTTP included), read from its CPU-time "
               "clock (`clock_getcpuclockid`, the nanosecond form of utime + stime in /proc/PID/stat) before "
               "and after, divided by the successful probes. The baseline is the crypto floor of one probe, "
               "timed in the same repetition by `openssl speed -mr -seconds 1 ecdhx25519 ed25519`: two X25519 "
               "operations (key generation and shared secret), one Ed25519 verify (the exchange hash "
               "signature) and one Ed25519 sign (the user authentication). The ratio is CPU / floor."},
    FigureSpec{2, "The OpenSSH client as baseline", figure_ssh_client,
               "20 sequential probes through the exporter (one keep-alive connection), then 20 runs of `ssh -F "
               "/dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o "
               "StrictHostKeyChecking=yes -o UserKnownHostsFile=<the sshd's known_hosts> -o "
               "GlobalKnownHostsFile=/dev/null -i <key> -p <port> user@127.0.0.1 true`, and 20 more with `-o "
               "KexAlgorithms=curve25519-sha256`, in the same repetition. OpenSSH 9.2 prefers "
               "sntrup761x25519-sha512, which libssh 0.10 lacks and whose key generation is far costlier; "
               "row 2c compares at equal key exchange. Wall time: the exporter's is request written -> answer "
               "read, ssh's is fork to exit. CPU: the exporter's process CPU delta per probe; ssh's is the user "
               "+ system time of the reaped ssh processes (getrusage RUSAGE_CHILDREN). The ratio is exporter / "
               "ssh."},
    FigureSpec{3, "Sequential latency", figure_latency,
               "200 probes one after another on one keep-alive connection; latency is request written -> "
               "answer read, p50 and p99 by nearest rank. The notes give the median of each phase as the "
               "exporter reports it (probe_ssh_duration_seconds)."},
    FigureSpec{4, "1,000 probes against a server stuck in key exchange", figure_stuck_in_kex,
               "A fresh exporter per repetition (so VmHWM is that repetition's peak), one warm-up login to "
               "sshd, then 1,000 requests on 1,000 connections opened at once, to an in-process server that "
               "sends a valid banner and SSH_MSG_KEXINIT and then never answers (module timeout 2 s, host key "
               "not checked). Peak RSS is VmHWM after the load (MB = 10^6 bytes), beside the idle VmRSS "
               "before it. Overshoot per request: the client's (answer read - request written) - 2 s, and "
               "the exporter's own probe_duration_seconds - probe_timeout_seconds; the worst of each. The "
               "client measurement includes the time the exporter takes to accept and read 1,000 requests "
               "arriving together and the client's own delay in reading 1,000 answers on one thread; the "
               "load average at the start is printed beside it."},
    FigureSpec{5, "10,000 probes against a silent server", figure_silent_10k,
               "As figure 4 with 10,000 requests to a server that accepts and never sends a byte, and a 5 s "
               "module timeout so that all of them are in flight together. The benchmark raises its "
               "RLIMIT_NOFILE (soft and hard) to 65,536 before starting anything and the exporter inherits it; "
               "each probe holds ~3 descriptors in the exporter. Where the hard limit cannot be raised (no "
               "CAP_SYS_RESOURCE), the figure runs as many probes as the limit allows and says so. At 10,000 "
               "the exporter's default limit of 10,000 HTTP connections is exactly reached."},
    FigureSpec{6, "Saturation", figure_saturation,
               "32 keep-alive clients send login + `true` probes back to back for 20 s. Probes per second "
               "counts successes over the wall time. sshd's CPU is the master's utime + stime + cutime + cstime "
               "delta from /proc/PID/stat, read after sshd has no child left: sshd forks (and re-executes) a "
               "process per connection, whose CPU, and that of the processes it reaped in turn (privilege "
               "separation child, the shell running `true`), reaches the master's cutime/cstime when it is "
               "reaped; the notes split master and children to show it does. The test sshd logs at DEBUG1, "
               "which it pays for. The ratio is exporter CPU / sshd CPU."},
    FigureSpec{7, "known_hosts size", figure_known_hosts,
               "One exporter, two modules differing only in known_hosts: the sshd's one-line file, or a "
               "generated 10,000-line file (9,999 other hosts: plain names, IPv4 and IPv6 addresses, "
               "[host]:port, hashed |1| entries, wildcard and negated patterns; the target's line 10th from "
               "the end; `ssh-keygen -F` must find it exactly once). Each repetition runs 200 probes with "
               "each (16 clients) and compares the exporter's CPU per probe. The ratio is 10,000 lines / 1 "
               "line."},
    FigureSpec{8, "Soak", figure_soak,
               "100,000 probes (5,000 with --quick) at 128 concurrent clients, in a repeating pattern of 50: 2 "
               "successful logins, 1 login with a key sshd does not accept, 1 with a user it does not allow "
               "(both must fail with reason auth), 46 probes of a silent server with a 100 ms timeout (reason "
               "timeout): 8,000 sessions with sshd in all, as many as the test sshd serves in a few minutes. The "
               "exporter's VmRSS and /proc/PID/fd count are read when it is idle (descriptor count "
               "steady for 300 ms) after each tenth of the probes; growth is the end against the end of the "
               "warm-up, the first fifth (the trajectory shows in the notes). One run, not a median. "
               "The ctest test `soak` runs `spe_bench --quick --only 8` and fails if either grows by 5% or more "
               "or any probe gives another result."},
    FigureSpec{9, "Reload soak", figure_reload_soak,
               "200 reloads (20 with --quick) of a config whose one module checks host keys against a "
               "generated 10,000-line known_hosts (as in figure 7), sent through POST /-/reload one after "
               "another, each once the previous was answered, while 16 keep-alive clients probe with that "
               "module (key login, `true`) in batches of 32 until the reloads are done. Ten rounds of a tenth "
               "of the reloads: each first runs 64 probes (32 with --quick) without reloads, the baseline of "
               "rows a and b in the same round, then the reloads with probes beside them, then reads the "
               "exporter's VmRSS when it is idle (as figure 8). Growth is the end against the end of the "
               "warm-up, the first two rounds. Row c is the time from POST written to answer read. spe_bench "
               "exits 1 if any probe or reload fails or RSS grows by 5% or more."},
    FigureSpec{10, "Through one jump host", figure_jump_host,
               "One exporter, two modules that differ only in `jump_hosts`: figure 1's probe (key login, host key "
               "checked, command `true`) straight to the test sshd, and the same probe through a bastion: a "
               "second sshd on the test sshd's own config, with TCP forwarding allowed, that the exporter logs in "
               "to (key, host key checked) before it opens a direct-tcpip channel to the test sshd and runs the "
               "probe over it. After 32 warm-up probes of each, every repetition runs, direct then through the "
               "hop, 300 probes (100 with --quick) through 16 keep-alive connections, for the exporter's CPU per "
               "successful probe as in figure 1, then 100 (30) one after another, for the latency p50 as in "
               "figure 3. The baseline is the direct probe of the same repetition, and the ratio is hop / direct. "
               "The notes give the median of each phase through the hop (probe_ssh_duration_seconds, and "
               "probe_ssh_hop_duration_seconds as `bastion <phase>`)."},
    FigureSpec{11, "1,000 probes through one jump host against a server stuck in key exchange", figure_hop_in_flight,
               "As figure 4, with every probe (and the warm-up login) going through a bastion as in figure 10: "
               "1,000 requests at once (200 with --quick), each logging in to the bastion (MaxStartups raised to "
               "let 1,100 wait unauthenticated) and opening a direct-tcpip channel to the server stuck in key "
               "exchange. 1,000 logins arriving together cost the bastion sshd tens of seconds of CPU on 2 cores, "
               "so the module timeout is 60 s (20 s with --quick), meant to be long enough for every probe to "
               "be past the bastion and stuck at the target when its deadline expires. Row d counts the timeouts "
               "whose probe_ssh_hop_success is 1, which says they were; peak RSS is then 1,000 hop sessions, their "
               "channels and relays, and 1,000 target sessions in key exchange."},
};

}  // namespace

std::span<const FigureSpec> all_figures() { return kFigures; }

}  // namespace spe::bench
