#include "probe/sftp_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace spe {
namespace {

// A name an operator can recognise and a probe never reuses: .ssh_probe_exporter.<pid>.<random>.tmp
std::string temporary_name(std::mt19937_64& random) {
  char name[96];
  std::snprintf(name, sizeof name, ".ssh_probe_exporter.%ld.%016llx.tmp", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(random()));
  return name;
}

std::string join(const std::string& directory, const std::string& name) {
  if (directory.empty() || directory.back() == '/') return directory + name;
  return directory + "/" + name;
}

// What a server said, fit for one line of a message: printable ASCII, at most 200 bytes.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

std::string quoted(std::string_view path) { return "\"" + printable(path) + "\""; }

// splitmix64: the write test's bytes, made chunk by chunk from a seed and the offset, so that neither
// what is written nor what comes back is held whole (16 MiB at most each), and making them costs
// little next to sending them.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The `size` bytes of the write test's file at `offset`.
std::string test_bytes(std::uint64_t seed, std::uint64_t offset, std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t word_index = offset / 8;
  std::uint64_t word = mix(seed ^ word_index);
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint64_t at = offset + i;
    if (at / 8 != word_index) word = mix(seed ^ (word_index = at / 8));
    out[i] = static_cast<char>(word >> (8 * (at % 8)));
  }
  return out;
}

}  // namespace

SftpRunner::SftpRunner(const SftpCheck& check, ProbeLog& log) : check_(check), log_(log) {}

SftpRunner::~SftpRunner() = default;

void SftpRunner::start(SshSession& session) {
  channel_ = std::make_unique<SshChannel>(session);
  stage_ = Stage::open;
  begin_op(SftpOp::init);
}

SftpRunner::Next SftpRunner::failed_channel(const Error& error) {
  fail(error.message, true);
  return Next::ended;
}

SftpRunner::Next SftpRunner::step() {
  // Each round trip needs an answer from the server, so few rounds pass without a wait; the bound
  // keeps a server that answers at once from holding the probe's thread.
  for (int rounds = 0; rounds < 64; ++rounds) {
    switch (stage_) {
      case Stage::done: return Next::ended;
      case Stage::open: {
        const auto progress = channel_->open();
        if (!progress) return failed_channel(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = Stage::subsystem;
        break;
      }
      case Stage::subsystem: {
        const auto progress = channel_->request_subsystem("sftp");
        if (!progress) return failed_channel(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = Stage::exchange;
        send(sftp::init_request(), Await::version);
        break;
      }
      case Stage::exchange: {
        while (!outbound_.empty()) {
          const auto taken = channel_->write(outbound_.data(), outbound_.size());
          if (!taken) return failed_channel(taken.error());
          if (*taken == 0) break;
          outbound_.erase(0, *taken);
        }
        const auto read = channel_->read_available(inbound_, kInboundCap);
        if (!read) return failed_channel(read.error());
        if (read->truncated) {
          fail("the SFTP server sent more than " + std::to_string(kInboundCap) + " bytes unasked", true);
          return Next::ended;
        }
        bool handled = false;
        // The packets are taken from the front and the buffer shortened once: a flood of small ones
        // must not cost a copy of the rest each.
        std::size_t consumed = 0;
        for (;;) {
          const std::string_view rest = std::string_view(inbound_).substr(consumed);
          const auto end = sftp::frame_end(rest);
          if (!end) {
            fail(end.error().message, true);
            return Next::ended;
          }
          if (!*end) break;
          consumed += **end;
          handled = true;
          on_packet(rest.substr(4, **end - 4));
          if (stage_ == Stage::done) return Next::ended;
        }
        inbound_.erase(0, consumed);
        if (read->more) return Next::run_soon;
        if (handled) break;  // a new request may be queued: write it
        if (channel_->at_end()) {
          fail("the SFTP server closed the channel", true);
          return Next::ended;
        }
        return Next::wait_socket;
      }
    }
  }
  return Next::run_soon;
}

void SftpRunner::send(std::string packet, Await what) {
  outbound_ += packet;
  awaiting_ = what;
  awaited_id_ = last_id_;
}

void SftpRunner::begin_op(SftpOp op) {
  op_ = op;
  op_start_ = Clock::now();
}

void SftpRunner::end_op() {
  if (!op_) return;
  report_.set_op_duration(*op_, Clock::now() - op_start_);
  op_.reset();
}

void SftpRunner::on_packet(std::string_view body) {
  if (awaiting_ == Await::none) return fail("the SFTP server sent a packet nobody asked for", true);
  if (awaiting_ == Await::version) return on_version(body);
  const auto reply = sftp::parse_reply(body);
  if (!reply) return fail(reply.error().message, true);
  const bool cleaning = awaiting_ == Await::cleanup_close || awaiting_ == Await::cleanup_remove;
  // The answers to what was in flight when the cleanup began, or to its CLOSE, come first.
  if (cleaning && reply->id < awaited_id_) return;
  if (reply->id != awaited_id_) {
    return fail("the SFTP server answered request " + std::to_string(reply->id) + ", not " +
                    std::to_string(awaited_id_),
                true);
  }
  on_reply(*reply);
}

void SftpRunner::on_version(std::string_view body) {
  const auto version = sftp::parse_version(body);
  if (!version) return fail(version.error().message, true);
  has_statvfs_ = version->has_extension(sftp::kStatvfsExtension, "2");
  end_op();
  log_.add("debug", "sftp started",
           {{"version", std::to_string(version->version)}, {"statvfs", has_statvfs_ ? "true" : "false"}});
  begin_op(SftpOp::realpath);
  send(sftp::path_request(sftp::Type::realpath, next_id(), check_.path), Await::realpath);
}

void SftpRunner::fail_status(std::string_view what, const sftp::Reply& reply) {
  if (reply.type != sftp::Type::status) {
    return fail(std::string(what) + ": unexpected SFTP packet type " + std::to_string(static_cast<int>(reply.type)),
                true);
  }
  sftp::Status status = reply.status;
  status.message = printable(status.message);
  fail(std::string(what) + ": " + status.describe());
}

void SftpRunner::on_reply(const sftp::Reply& reply) {
  using sftp::Type;
  const bool ok_status = reply.type == Type::status && reply.status.code == 0;
  switch (awaiting_) {
    case Await::realpath:
      if (reply.type != Type::name || reply.names.empty())
        return fail_status("REALPATH " + quoted(check_.path), reply);
      directory_ = reply.names.front().filename;
      end_op();
      begin_op(SftpOp::stat);
      return send(sftp::path_request(Type::stat, next_id(), directory_), Await::stat);
    case Await::stat:
      if (reply.type != Type::attrs) return fail_status("STAT " + quoted(directory_), reply);
      if (reply.attrs.permissions && !reply.attrs.is_directory()) {
        return fail("STAT " + quoted(directory_) + ": not a directory");
      }
      end_op();
      return after_stat();
    case Await::opendir:
      if (reply.type != Type::handle) return fail_status("OPENDIR " + quoted(directory_), reply);
      handle_ = reply.handle;
      return send(sftp::handle_request(Type::readdir, next_id(), handle_), Await::readdir);
    case Await::readdir:
      if (reply.type == Type::name) {
        for (const auto& entry : reply.names) entries_ += entry.filename != "." && entry.filename != "..";
        if (++readdir_rounds_ >= kMaxReaddirRounds) {
          return fail("READDIR " + quoted(directory_) + ": no end after " + std::to_string(kMaxReaddirRounds) +
                      " replies (" + std::to_string(entries_) + " entries)");
        }
        return send(sftp::handle_request(Type::readdir, next_id(), handle_), Await::readdir);
      }
      if (reply.type != Type::status || reply.status.code != static_cast<std::uint32_t>(sftp::StatusCode::eof)) {
        return fail_status("READDIR " + quoted(directory_), reply);
      }
      return send(sftp::handle_request(Type::close, next_id(), handle_), Await::closedir);
    case Await::closedir:
      if (!ok_status) return fail_status("CLOSE " + quoted(directory_), reply);
      handle_.clear();
      report_.directory_entries = entries_;
      end_op();
      return after_list();
    case Await::open_file:
      if (reply.type != Type::handle) return fail_status("OPEN " + quoted(file_), reply);
      handle_ = reply.handle;
      file_exists_ = true;
      return send_write();
    case Await::write:
      if (!ok_status) return fail_status("WRITE " + quoted(file_), reply);
      offset_ = std::min<std::uint64_t>(check_.write_test_bytes, offset_ + kChunkBytes);
      if (offset_ < check_.write_test_bytes) return send_write();
      end_op();
      begin_op(SftpOp::read);
      offset_ = 0;
      return send_read();
    case Await::read:
      if (reply.type == Type::data) {
        if (reply.data.empty() || offset_ + reply.data.size() > check_.write_test_bytes) {
          return fail("READ " + quoted(file_) + ": " + std::to_string(offset_ + reply.data.size()) +
                      " bytes back of " + std::to_string(check_.write_test_bytes) + " written");
        }
        if (reply.data != test_bytes(seed_, offset_, reply.data.size())) {
          return fail("READ " + quoted(file_) + ": what was read back at offset " + std::to_string(offset_) +
                      " differs from what was written");
        }
        offset_ += reply.data.size();
        if (offset_ < check_.write_test_bytes) return send_read();
        end_op();
        begin_op(SftpOp::remove);
        return send(sftp::handle_request(Type::close, next_id(), handle_), Await::close_file);
      }
      if (reply.type == Type::status && reply.status.code == static_cast<std::uint32_t>(sftp::StatusCode::eof)) {
        return fail("READ " + quoted(file_) + ": end of file after " + std::to_string(offset_) + " bytes of " +
                    std::to_string(check_.write_test_bytes) + " written");
      }
      return fail_status("READ " + quoted(file_), reply);
    case Await::close_file:
      if (!ok_status) return fail_status("CLOSE " + quoted(file_), reply);
      handle_.clear();
      return send(sftp::path_request(Type::remove, next_id(), file_), Await::remove);
    case Await::remove:
      if (!ok_status) return fail_status("REMOVE " + quoted(file_), reply);
      file_exists_ = false;
      end_op();
      return after_write_test();
    case Await::statvfs: return on_statvfs(reply);
    case Await::cleanup_close:
      handle_.clear();
      return send(sftp::path_request(Type::remove, next_id(), file_), Await::cleanup_remove);
    case Await::cleanup_remove: {
      // NO_SUCH_FILE: the REMOVE in flight at the deadline removed it first.
      const bool gone = ok_status || (reply.type == Type::status &&
                                      reply.status.code == static_cast<std::uint32_t>(sftp::StatusCode::no_such_file));
      cleanup_.answered = true;
      cleanup_.removed = gone;
      if (!gone) cleanup_.detail = reply.type == Type::status ? sftp::status_name(reply.status.code) : "not a STATUS";
      if (gone) file_exists_ = false;
      // After the answer the probe's log is handed over: the probe reports the outcome (cleanup_outcome).
      if (!owes_cleanup_) {
        if (gone) {
          log_.add("debug", "sftp temporary file removed", {{"file", printable(file_)}});
        } else {
          log_.add("info", "sftp temporary file may remain", {{"file", printable(file_)}, {"err", cleanup_.detail}});
        }
      }
      failure_ = std::move(pending_failure_);
      return finish();
    }
    case Await::version:
    case Await::none: return fail("internal: no SFTP request awaited", true);
  }
}

void SftpRunner::after_stat() {
  if (!check_.list) return after_list();
  begin_op(SftpOp::list);
  send(sftp::path_request(sftp::Type::opendir, next_id(), directory_), Await::opendir);
}

void SftpRunner::after_list() {
  if (!check_.write_test) return after_write_test();
  begin_op(SftpOp::write);
  std::mt19937_64 random(std::random_device{}());
  file_ = join(directory_, temporary_name(random));
  seed_ = random();
  offset_ = 0;
  file_open_sent_ = true;
  send(sftp::open_request(next_id(), file_,
                          sftp::kOpenRead | sftp::kOpenWrite | sftp::kOpenCreate | sftp::kOpenExclusive, 0600),
       Await::open_file);
}

void SftpRunner::send_write() {
  const std::size_t size = std::min<std::size_t>(kChunkBytes, check_.write_test_bytes - offset_);
  send(sftp::write_request(next_id(), handle_, offset_, test_bytes(seed_, offset_, size)), Await::write);
}

void SftpRunner::send_read() {
  const auto size = static_cast<std::uint32_t>(std::min<std::size_t>(kChunkBytes, check_.write_test_bytes - offset_));
  send(sftp::read_request(next_id(), handle_, offset_, size), Await::read);
}

void SftpRunner::after_write_test() {
  if (!has_statvfs_) {
    if (check_.min_free_bytes) {
      log_.add("debug", "sftp min_free_bytes not checked", {{"detail", "the server has no statvfs@openssh.com"}});
    }
    return finish();
  }
  begin_op(SftpOp::statvfs);
  send(sftp::statvfs_request(next_id(), directory_), Await::statvfs);
}

void SftpRunner::on_statvfs(const sftp::Reply& reply) {
  if (reply.type != sftp::Type::extended_reply) return fail_status("statvfs " + quoted(directory_), reply);
  const auto fs = sftp::parse_statvfs(reply.extended);
  if (!fs) return fail(fs.error().message, true);
  end_op();
  report_.filesystem_avail_bytes = fs->available_bytes();
  report_.filesystem_size_bytes = fs->size_bytes();
  if (check_.min_free_bytes && fs->available_bytes() < *check_.min_free_bytes) {
    return fail(std::to_string(fs->available_bytes()) + " bytes free in " + quoted(directory_) +
                ", below min_free_bytes " + std::to_string(*check_.min_free_bytes));
  }
  finish();
}

void SftpRunner::fail(std::string detail, bool protocol_broken) {
  if (stage_ == Stage::done) return;
  if (op_) end_op();
  log_.add("debug", "sftp failed", {{"err", detail}});
  const bool cleaning = awaiting_ == Await::cleanup_close || awaiting_ == Await::cleanup_remove;
  if (file_exists_ && !protocol_broken && !cleaning) {
    // The file is ours: it goes before the check reports, while the deadline allows.
    pending_failure_ = std::move(detail);
    if (!handle_.empty()) {
      return send(sftp::handle_request(sftp::Type::close, next_id(), handle_), Await::cleanup_close);
    }
    return send(sftp::path_request(sftp::Type::remove, next_id(), file_), Await::cleanup_remove);
  }
  if (cleaning) cleanup_.detail = detail;
  if (file_exists_ && !owes_cleanup_) log_.add("info", "sftp temporary file may remain", {{"file", printable(file_)}});
  failure_ = cleaning && pending_failure_ ? std::move(*pending_failure_) : std::move(detail);
  finish();
}

void SftpRunner::finish() {
  stage_ = Stage::done;
  awaiting_ = Await::none;
  report_.success = !failure_;
  if (!failure_) log_.add("debug", "sftp done", {{"entries", std::to_string(entries_)}});
  // Closed and freed now: the probe disconnects the session next, which frees every channel.
  if (channel_) channel_->close();
  channel_.reset();
}

void SftpRunner::abandon(const Error& error) {
  if (!channel_ || stage_ == Stage::done) {
    channel_.reset();
    return;
  }
  if (op_) end_op();
  failure_ = error.message;
  const bool may_exist = file_open_sent_ && (file_exists_ || awaiting_ == Await::open_file);
  if (may_exist && stage_ == Stage::exchange && error.code == ErrorCode::deadline_exceeded) {
    // The answer cannot wait, the removal can: CLOSE (when a handle is open) and REMOVE go out behind
    // the request in flight, and the probe lets them finish after its answer (cleanup_step).
    if (!handle_.empty()) outbound_ += sftp::handle_request(sftp::Type::close, next_id(), handle_);
    pending_failure_ = error.message;
    send(sftp::path_request(sftp::Type::remove, next_id(), file_), Await::cleanup_remove);
    owes_cleanup_ = true;
    cleanup_.file = printable(file_);
    log_.add("info", "sftp temporary file removal queued after the answer",
             {{"file", cleanup_.file}, {"detail", "CLOSE and REMOVE sent at the deadline"}});
    return;
  }
  if (may_exist) log_.add("info", "sftp temporary file may remain", {{"file", printable(file_)}});
  stage_ = Stage::done;
  channel_.reset();
}

SftpRunner::Next SftpRunner::cleanup_step() {
  const Next next = step();
  if (next == Next::ended) owes_cleanup_ = false;
  return next;
}

void SftpRunner::give_up_cleanup() {
  owes_cleanup_ = false;
  stage_ = Stage::done;
  channel_.reset();
}

}  // namespace spe
