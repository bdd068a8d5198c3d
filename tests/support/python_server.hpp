// A test server written in Python (tests/support/*.py), run by Debian's python3 (python.hpp): started with a pipe
// on its stdin, which it takes as its lifeline (it exits when the pipe closes), its stdout and stderr in a log
// file, and its port announced by a line "<port_line><port>". What TestParamiko and SftpAdversary share.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace spe::test {

class PythonServer {
 public:
  // Runs `python3 -B script args...` and waits (10 s at most) for its port line in `log_file`; throws
  // std::runtime_error, naming `name` and with the log, when it exits or stays silent. Start it from the main
  // thread: the child is bound to the starting thread's lifetime.
  PythonServer(std::string name, const std::string& script, const std::vector<std::string>& args,
               std::filesystem::path log_file, std::string_view port_line);
  ~PythonServer();
  PythonServer(const PythonServer&) = delete;
  PythonServer& operator=(const PythonServer&) = delete;

  unsigned short port() const { return port_; }
  std::string log() const;  // what the server has written so far

 private:
  void await_port(std::string_view port_line);
  void stop();  // closes its stdin, waits a second for it to exit, then stop_process

  std::string name_;
  std::filesystem::path log_file_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  int stdin_ = -1;  // the write end of the server's stdin
};

}  // namespace spe::test
