// The python3 the tests run: Debian's /usr/bin/python3 when there is one, since the modules the tests need
// (python3-paramiko, python3-yaml) are installed as Debian packages and only that interpreter sees them (a
// pyenv or venv python3 earlier on PATH does not). tests/run_if.sh checks the same interpreter.
#pragma once

#include <unistd.h>

#include <string>

namespace spe::test {

inline std::string system_python3() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

}  // namespace spe::test
