// spe_device_cli: a network device's command line, for the shell-session tests. A test sshd runs it as its
// ForceCommand, so it answers every session of that sshd:
//   - an exec request (SSH_ORIGINAL_COMMAND is set): "% exec not supported" on stderr, exit status 1, as gear that
//     answers only on an interactive shell;
//   - a shell: a banner, then the prompt "router1#" and one command per line, echoed back as a device echoes
//     (the terminal is put in raw mode when it is one):
//       terminal length 0   paging off
//       show version        a few lines, among them "router1 uptime is 5 weeks"
//       show interfaces     48 lines, every fifth interface down; with paging on, "--More--" after every 24 and a wait
//       for a key (q stops) exit                ends the session
//     anything else answers "% Invalid input detected". An empty line gives the prompt again.
// ANSI colour sequences are in the banner, the uptime line and the prompt, so the tests check they are stripped.
// Deterministic; a line is at most kMaxLine bytes (the rest is dropped, as a device's line buffer does).
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t kMaxLine = 256;
constexpr int kPageLines = 24;
constexpr int kInterfaces = 48;

void out(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n <= 0) std::exit(0);  // the session is gone
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One byte of input; exits at the end of input (the session closed).
char key() {
  char c = 0;
  if (::read(STDIN_FILENO, &c, 1) != 1) std::exit(0);
  return c;
}

// No echo and no line editing by the terminal: the device echoes and reads keys itself.
void raw_terminal() {
  termios mode{};
  if (::tcgetattr(STDIN_FILENO, &mode) != 0) return;  // not a terminal: lines as they come
  mode.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG | IEXTEN);
  mode.c_iflag &= ~static_cast<tcflag_t>(ICRNL | IXON);
  mode.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &mode);
}

// A line as typed, echoed as it comes; "\r", "\n" and "\r\n" end it.
std::string read_line() {
  static bool after_cr = false;
  std::string line;
  for (;;) {
    const char c = key();
    if (c == '\n' && after_cr) {
      after_cr = false;
      continue;
    }
    after_cr = c == '\r';
    if (c == '\r' || c == '\n') {
      out("\r\n");
      return line;
    }
    if (line.size() < kMaxLine && c >= 0x20 && c != 0x7f) {
      line += c;
      out(std::string_view(&c, 1));
    }
  }
}

void show_version() {
  out("SPE Test Device Software, Version 1.0\r\n");
  out("router1 uptime is \x1b[32m5\x1b[0m weeks, 2 days, 3 hours\r\n");
  out("Processor board ID SPE0001\r\n");
  out(std::to_string(kInterfaces) + " Gigabit Ethernet interfaces\r\n");
}

void show_interfaces(bool paging) {
  for (int i = 0; i < kInterfaces; ++i) {
    if (paging && i > 0 && i % kPageLines == 0) {
      out(" --More-- ");
      const char answer = key();
      out("\r          \r");
      if (answer == 'q') return;
    }
    const bool up = i % 5 != 4;
    out("GigabitEthernet0/" + std::to_string(i) +
        (up ? " is up, line protocol is up\r\n" : " is administratively down, line protocol is down\r\n"));
  }
}

}  // namespace

int main() {
  if (std::getenv("SSH_ORIGINAL_COMMAND") != nullptr) {
    const std::string_view refusal = "% exec not supported\n";
    (void)!::write(STDERR_FILENO, refusal.data(), refusal.size());
    return 1;
  }
  raw_terminal();
  out("\r\n\x1b[1;34mSPE test device\x1b[0m\r\nUnauthorized access is prohibited.\r\n\r\n");
  bool paging = true;
  for (;;) {
    out("\x1b[1mrouter1#\x1b[0m");
    const std::string line = read_line();
    if (line.empty()) continue;
    if (line == "terminal length 0") {
      paging = false;
    } else if (line == "show version") {
      show_version();
    } else if (line == "show interfaces") {
      show_interfaces(paging);
    } else if (line == "exit") {
      return 0;
    } else {
      out("% Invalid input detected at '^' marker.\r\n");
    }
  }
}
