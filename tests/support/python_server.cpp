#include "support/python_server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <utility>

#include "support/python.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {
namespace {

// The names differ from those of the other fixtures' files: the sanitizer builds compile them as one unit.
constexpr auto kPythonServerStartTimeout = std::chrono::seconds{10};

}  // namespace

PythonServer::PythonServer(std::string name, const std::string& script, const std::vector<std::string>& args,
                           std::filesystem::path log_file, std::string_view port_line)
    : name_(std::move(name)), log_file_(std::move(log_file)) {
  // -B: no __pycache__ written into the source tree.
  std::vector<std::string> argv{system_python3(), "-B", script};
  argv.insert(argv.end(), args.begin(), args.end());
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(name_ + ": pipe failed");
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  try {
    if (log_fd < 0) throw std::runtime_error(name_ + ": cannot create " + log_file_.string());
    pid_ = spawn_process(argv, SpawnOptions{in[0], log_fd, log_fd});
  } catch (...) {
    for (const int fd : {in[0], in[1], log_fd}) {
      if (fd >= 0) ::close(fd);
    }
    throw;
  }
  ::close(in[0]);
  ::close(log_fd);
  stdin_ = in[1];
  await_port(port_line);
}

void PythonServer::await_port(std::string_view port_line) {
  const auto deadline = std::chrono::steady_clock::now() + kPythonServerStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    const auto at = text.find(port_line);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = static_cast<unsigned short>(std::stoi(text.substr(at + port_line.size())));
      return;
    }
    if (const auto status = wait_for_exit(pid_, std::chrono::milliseconds{20})) {
      pid_ = -1;
      stop();
      throw std::runtime_error(name_ + " exited with status " + std::to_string(*status) + ":\n" + log());
    }
  }
  stop();
  throw std::runtime_error(name_ + " did not listen within 10 s:\n" + log());
}

PythonServer::~PythonServer() { stop(); }

void PythonServer::stop() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
  if (pid_ > 0 && !wait_for_exit(pid_, std::chrono::seconds{1})) stop_process(pid_, std::chrono::seconds{2});
  pid_ = -1;
}

std::string PythonServer::log() const { return read_file(log_file_); }

}  // namespace spe::test
