// The SFTP check against real OpenSSH: an SFTP-only account (ForceCommand internal-sftp), in a chroot as root,
// and the shared sshd with commands before the check. After every probe no temporary file remains.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <random>

#include "support/configured_exporter.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
namespace fs = std::filesystem;

namespace {

// Gives `path` to the account sshd logs in (when the tests run as root, another account).
void give_to(const TestSshd& sshd, const fs::path& path, unsigned mode) {
  if (::geteuid() == 0) {
    const passwd* account = ::getpwnam(sshd.user().c_str());
    REQUIRE(account != nullptr);
    REQUIRE(::chown(path.c_str(), account->pw_uid, account->pw_gid) == 0);
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

fs::path traversable(const TempDir& dir) {
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  return dir.path();
}

// The write test's files left in `dir`.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".ssh_probe_exporter.")) found.push_back(name);
  }
  return found;
}

// The directories the checks look at: upload (writable, two files), readonly (0555), under `root`.
struct SftpTree {
  fs::path root;
  fs::path upload;
  fs::path readonly;

  SftpTree(const TestSshd& sshd, fs::path at)
      : root(std::move(at)), upload(root / "upload"), readonly(root / "readonly") {
    fs::create_directories(upload);
    fs::create_directories(readonly);
    write_file(upload / "a", "a");
    write_file(upload / "b", "b");
    REQUIRE(::chmod(root.c_str(), 0755) == 0);
    give_to(sshd, upload, 0755);
    give_to(sshd, readonly, 0555);
  }

  void check_clean() const {
    CHECK(leftovers(upload) == std::vector<std::string>{});
    CHECK(leftovers(readonly) == std::vector<std::string>{});
  }
};

std::string sftp_table(const std::string& module, const std::string& lines) {
  return "[modules." + module + ".sftp]\n" + lines + "\n";
}

// An sshd that serves SFTP only, its tree, and an exporter with one module per check.
struct SftpOnlyBed {
  std::unique_ptr<TestSshd> sshd = TestSshd::start_separate({"ForceCommand internal-sftp"});
  TempDir dir{"spe-sftp"};
  SftpTree tree{*sshd, traversable(dir) / "tree"};
  std::unique_ptr<ExporterProcess> exporter;

  SftpOnlyBed() {
    const std::string upload = toml_string(tree.upload.string());
    std::string config;
    config += key_module(*sshd, "all",
                         sftp_table("all", "path = " + upload +
                                               "\nlist = true\nwrite_test = true\n"
                                               "write_test_bytes = 100000\nmin_free_bytes = 1"));
    config += key_module(*sshd, "readonly",
                         sftp_table("readonly",
                                    "path = " + toml_string(tree.readonly.string()) + "\nwrite_test = true"));
    config += key_module(*sshd, "missing",
                         sftp_table("missing",
                                    "path = " + toml_string((tree.root / "nope").string()) + "\nlist = true"));
    config += key_module(*sshd, "full",
                         sftp_table("full", "path = " + upload + "\nmin_free_bytes = 9223372036854775807"));
    config += key_module(*sshd, "file", sftp_table("file", "path = " + toml_string((tree.upload / "a").string())));
    // Commands on an account that may only speak SFTP: the command is refused, the check is not reached.
    config += key_module(*sshd, "exec", "command = \"true\"\n" + sftp_table("exec", "path = " + upload));
    const auto path = dir.path() / "exporter.toml";
    write_file(path, config);
    exporter = std::make_unique<ExporterProcess>(path.string());
  }

  static SftpOnlyBed& shared() {
    static SftpOnlyBed bed;
    return bed;
  }

  std::string probe(const std::string& module) {
    const auto response = http_get(exporter->port(),
                                   "/probe?target=" + sshd->target() + "&module=" + module + "&debug=true");
    REQUIRE(response.status == 200);
    return response.body;
  }
};

double value(const std::string& body, const std::string& name, const MetricLabels& labels = {}) {
  return metric_value(body, name, labels).value_or(-1);
}

constexpr const char* kOps[] = {"init", "realpath", "stat", "list", "write", "read", "remove", "statvfs"};

}  // namespace

TEST_CASE("an SFTP-only account: list, write test and statvfs succeed, and no file remains", "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  const std::string body = bed.probe("all");
  INFO(body);
  CHECK(value(body, "probe_success") == 1);
  CHECK(value(body, "probe_sftp_success") == 1);
  CHECK(value(body, "probe_sftp_directory_entries") == 2);
  CHECK(value(body, "probe_sftp_filesystem_avail_bytes") > 0);
  CHECK(value(body, "probe_sftp_filesystem_size_bytes") >= value(body, "probe_sftp_filesystem_avail_bytes"));
  for (const char* op : kOps) {
    CAPTURE(op);
    CHECK(value(body, "probe_sftp_duration_seconds", {{"op", op}}) > 0);
  }
  CHECK(value(body, "probe_ssh_duration_seconds", {{"phase", "commands"}}) == 0);
  CHECK(value(body, "probe_ssh_duration_seconds", {{"phase", "sftp"}}) > 0);
  bed.tree.check_clean();
}

TEST_CASE("a read-only directory fails the write test with sftp and the permission status", "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  const std::string body = bed.probe("readonly");
  INFO(body);
  CHECK(value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "sftp");
  CHECK(value(body, "probe_sftp_success") == 0);
  CHECK(contains(body, "SSH_FX_PERMISSION_DENIED"));
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "write"}}) > 0);
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "read"}}) == 0);
  bed.tree.check_clean();
}

TEST_CASE("a path that does not exist fails with sftp and the no-such-file status", "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  const std::string body = bed.probe("missing");
  INFO(body);
  CHECK(failure_reason_of(body) == "sftp");
  CHECK(contains(body, "SSH_FX_NO_SUCH_FILE"));
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "init"}}) > 0);
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "list"}}) == 0);
  CHECK(metric_value(body, "probe_sftp_directory_entries") == std::nullopt);
  // Every op series is there, run or not.
  CHECK(count_series(body, "probe_sftp_duration_seconds") == std::size(kOps));
}

TEST_CASE("too little free space and a path that is a file fail with sftp", "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  const std::string full = bed.probe("full");
  INFO(full);
  CHECK(failure_reason_of(full) == "sftp");
  CHECK(contains(full, "below min_free_bytes 9223372036854775807"));
  CHECK(value(full, "probe_sftp_filesystem_avail_bytes") > 0);

  const std::string file = bed.probe("file");
  INFO(file);
  CHECK(failure_reason_of(file) == "sftp");
  CHECK(contains(file, "not a directory"));
  bed.tree.check_clean();
}

TEST_CASE("a command refused on an SFTP-only account is the probe's reason; the check still runs",
          "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  const std::size_t offset = bed.exporter->log_size();
  const std::string body = bed.probe("exec");
  INFO(body);
  CHECK(value(body, "probe_success") == 0);
  CHECK(command_metric(body, "probe_ssh_command_success", "exec") == 0);
  CHECK(failure_reason_of(body) == "command_exit");
  CHECK(value(body, "probe_sftp_success") == 1);
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "init"}}) > 0);
  // The exporter's line names the phase of the reason, not the SFTP check that ran after it.
  REQUIRE(bed.exporter->wait_for_log("msg=\"probe failed\" module=exec", std::chrono::seconds{2}, offset));
  const std::string log = bed.exporter->log_since(offset);
  const auto line_start = log.find("msg=\"probe failed\" module=exec");
  const std::string line = log.substr(line_start, log.find('\n', line_start) - line_start);
  INFO(line);
  CHECK(contains(line, " phase=commands "));
  CHECK(contains(line, " reason=command_exit "));
}

TEST_CASE("commands then the SFTP check on the shared sshd", "[integration][sftp]") {
  auto& sshd = TestSshd::shared();
  TempDir dir{"spe-sftp-shared"};
  const SftpTree tree(sshd, traversable(dir) / "tree");
  const std::string config = key_module(
      sshd, "both",
      "[[modules.both.commands]]\nname = \"echo\"\ncommand = \"echo hello\"\nexpect = \"^hello\"\n" +
          sftp_table("both", "path = " + toml_string(tree.upload.string()) + "\nlist = true\nwrite_test = true"));
  write_file(dir.path() / "exporter.toml", config);
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const auto response = http_get(exporter.port(), "/probe?target=" + sshd.target() + "&module=both");
  INFO(response.body);
  CHECK(value(response.body, "probe_success") == 1);
  CHECK(command_metric(response.body, "probe_ssh_command_success", "echo") == 1);
  CHECK(value(response.body, "probe_sftp_success") == 1);
  CHECK(value(response.body, "probe_sftp_directory_entries") == 2);
  CHECK(value(response.body, "probe_ssh_duration_seconds", {{"phase", "commands"}}) > 0);
  tree.check_clean();
}

TEST_CASE(
    "an SFTP-only account in a chroot: a relative path, list and write test succeed; a full disk fails the "
    "write test, and its file is removed",
    "[root][sftp]") {
  // ChrootDirectory wants every component of the path owned by root and writable by nobody else: not under /tmp.
  std::mt19937_64 random(std::random_device{}());
  const fs::path chroot = "/run/spe-sftp-chroot." + std::to_string(::getpid()) + "." +
                          std::to_string(random() % 100000);
  fs::create_directories(chroot);
  struct Remove {
    fs::path path;
    ~Remove() { fs::remove_all(path); }
  } remove{chroot};
  REQUIRE(::chmod(chroot.c_str(), 0755) == 0);
  // A filesystem of 64 KiB: the write test's file is created, and its writes run out of space.
  const fs::path small = chroot / "small";
  fs::create_directories(small);
  const int mounted = ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k");
  INFO("mounting a 64 KiB tmpfs at " << small << " (it needs CAP_SYS_ADMIN): " << std::strerror(errno));
  REQUIRE(mounted == 0);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  auto sshd = TestSshd::start_separate({"ForceCommand internal-sftp", "ChrootDirectory " + chroot.string()});
  const SftpTree tree(*sshd, chroot);
  TempDir dir{"spe-sftp-chroot"};
  write_file(dir.path() / "exporter.toml",
             key_module(*sshd, "chroot", sftp_table("chroot", "path = \"upload\"\nlist = true\nwrite_test = true")) +
                 key_module(*sshd, "outside", sftp_table("outside", "path = " + toml_string(dir.path().string()))) +
                 key_module(*sshd, "small",
                            sftp_table("small", "path = \"small\"\nwrite_test = true\nwrite_test_bytes = 1048576")));
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const auto ok = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=chroot");
  INFO(ok.body);
  CHECK(value(ok.body, "probe_success") == 1);
  CHECK(value(ok.body, "probe_sftp_directory_entries") == 2);
  CHECK(value(ok.body, "probe_sftp_filesystem_avail_bytes") > 0);
  tree.check_clean();
  // A path outside the chroot does not exist inside it.
  const auto outside = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=outside&debug=true");
  INFO(outside.body);
  CHECK(failure_reason_of(outside.body) == "sftp");
  CHECK(contains(outside.body, "SSH_FX_NO_SUCH_FILE"));

  give_to(*sshd, small, 0755);
  const auto full = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=small&debug=true");
  INFO(full.body);
  CHECK(failure_reason_of(full.body) == "sftp");
  CHECK(contains(full.body, "WRITE \\\"/small/.ssh_probe_exporter."));
  CHECK(contains(full.body, "SSH_FX_FAILURE"));
  CHECK(contains(full.body, "msg=\"sftp temporary file removed\""));
  CHECK(value(full.body, "probe_sftp_duration_seconds", {{"op", "write"}}) > 0);
  CHECK(leftovers(small) == std::vector<std::string>{});
}

TEST_CASE("the SFTP check through a jump host", "[integration][sftp][jump]") {
  auto& bed = SftpOnlyBed::shared();
  const auto bastion = TestSshd::start_separate({"AllowTcpForwarding local"});
  TempDir dir{"spe-sftp-jump"};
  write_file(dir.path() / "exporter.toml",
             jump_host_table(*bastion, "bastion") +
                 jump_module(*bed.sshd, "via", {"bastion"},
                             sftp_table("via", "path = " + toml_string(bed.tree.upload.string()) +
                                                   "\nlist = true\nwrite_test = true")));
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const auto response = http_get(exporter.port(), "/probe?target=" + bed.sshd->target() + "&module=via");
  INFO(response.body);
  CHECK(value(response.body, "probe_success") == 1);
  CHECK(value(response.body, "probe_ssh_hop_success", {{"hop", "bastion"}}) == 1);
  CHECK(value(response.body, "probe_sftp_directory_entries") == 2);
  bed.tree.check_clean();
}

TEST_CASE("a deadline in the middle of the write test: the answer comes at the deadline, the file goes after it",
          "[integration][sftp]") {
  auto& bed = SftpOnlyBed::shared();
  TempDir dir{"spe-sftp-deadline"};
  // 16 MiB take a tenth of a second or more on loopback: one of these deadlines comes while they are written or
  // read back, whatever the machine's pace.
  const std::vector<int> timeouts_ms{40, 60, 90, 130, 190, 280, 400, 600};
  std::string config;
  for (const int ms : timeouts_ms) {
    const std::string name = "big" + std::to_string(ms);
    config += key_module(*bed.sshd, name,
                         "timeout = \"" + std::to_string(ms) + "ms\"\n" +
                             sftp_table(name, "path = " + toml_string(bed.tree.upload.string()) +
                                                  "\nwrite_test = true\nwrite_test_bytes = 16777216"));
  }
  write_file(dir.path() / "exporter.toml", config);
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  int cut = 0;
  for (const int ms : timeouts_ms) {
    const std::size_t offset = exporter.log_size();
    const auto response = http_get(exporter.port(), "/probe?target=" + bed.sshd->target() + "&module=big" +
                                                        std::to_string(ms) + "&debug=true");
    INFO(response.body);
    CHECK(value(response.body, "probe_duration_seconds") < ms / 1000.0 + 0.1);
    if (!contains(response.body, "sftp temporary file removal queued after the answer")) continue;
    ++cut;
    CHECK(failure_reason_of(response.body) == "timeout");
    // The removal goes on after the answer, for a second at most; the exporter's log says how it ended.
    CHECK(exporter.wait_for_log("msg=\"sftp temporary file removed after the answer\" module=big" + std::to_string(ms),
                                std::chrono::seconds{3}, offset));
    INFO(exporter.log_since(offset));
    CHECK_FALSE(contains(exporter.log_since(offset), "may remain"));
    bed.tree.check_clean();
  }
  CHECK(cut > 0);
  bed.tree.check_clean();
}

TEST_CASE("a server without an sftp subsystem fails the check with sftp and its refusal", "[integration][sftp]") {
  // The override replaces the fixture's Subsystem line: this sshd knows no "sftp".
  const auto sshd = TestSshd::start_separate({"Subsystem other /bin/false"});
  TempDir dir{"spe-sftp-none"};
  write_file(dir.path() / "exporter.toml", key_module(*sshd, "none", sftp_table("none", "list = true")));
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const auto response = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=none&debug=true");
  INFO(response.body);
  CHECK(failure_reason_of(response.body) == "sftp");
  CHECK(contains(response.body, "the server refused the subsystem sftp"));
  CHECK(value(response.body, "probe_sftp_duration_seconds", {{"op", "init"}}) > 0);
  CHECK(value(response.body, "probe_sftp_duration_seconds", {{"op", "realpath"}}) == 0);
}
