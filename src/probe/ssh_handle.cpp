#include "probe/ssh_handle.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <utility>

#include "config/algorithms.hpp"
#include "util/base64.hpp"

namespace spe {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string or_empty(const char* text) { return text ? std::string(text) : std::string(); }

// The software part of a banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2" -> "OpenSSH_9.2p1".
std::string banner_software(std::string_view banner) {
  if (banner.starts_with("SSH-")) {
    const auto dash = banner.find('-', 4);
    banner = dash == std::string_view::npos ? std::string_view() : banner.substr(dash + 1);
  }
  return std::string(banner.substr(0, banner.find(' ')));
}

// libssh 0.10 names the kex methods by these descriptions (ssh_kex_descriptions in src/kex.c).
constexpr std::array<std::pair<std::string_view, AlgorithmKind>, 6> kKexMethods{{
    {"kex algos", AlgorithmKind::kex},
    {"server host key algo", AlgorithmKind::host_key},
    {"encryption client->server", AlgorithmKind::cipher},
    {"encryption server->client", AlgorithmKind::cipher},
    {"mac algo client->server", AlgorithmKind::mac},
    {"mac algo server->client", AlgorithmKind::mac},
}};

// What to set when the key exchange found nothing in common: libssh says "kex error : no match for
// method DESCRIPTION: server [LIST], client [LIST]"; the key of that method with "+" and the
// server's names libssh supports would allow them. "" for any other error.
std::string mismatch_hint(std::string_view error) {
  constexpr std::string_view kNoMatch = "no match for method ";
  const auto at = error.find(kNoMatch);
  if (at == std::string_view::npos) return "";
  const std::string_view rest = error.substr(at + kNoMatch.size());
  for (const auto& [description, kind] : kKexMethods) {
    const std::string prefix = std::string(description) + ": server [";
    if (!rest.starts_with(prefix)) continue;
    std::string_view offered = rest.substr(prefix.size());
    offered = offered.substr(0, offered.find(']'));
    std::vector<std::string> usable;
    while (!offered.empty()) {
      const auto name = offered.substr(0, offered.find(','));
      const auto supported = supported_algorithms(kind);
      if (std::ranges::find(supported, name) != supported.end()) usable.emplace_back(name);
      offered.remove_prefix(std::min(offered.size(), name.size() + 1));
    }
    const std::string key(config_key(kind));
    if (usable.empty()) return "; libssh supports none of the server's " + key;
    return "; " + key + " = \"+" + join(usable, ",") + "\" would allow the server's";
  }
  return "";
}

}  // namespace

Result<SshSession> SshSession::create(const SessionOptions& options) {
  ssh_session raw = ssh_new();
  if (raw == nullptr) {
    ::close(options.fd);
    return fail(ErrorCode::internal, "ssh_new failed");
  }
  SshSession session(raw);
  // Order matters: SSH_OPTIONS_FD last, so a failure before it leaves the fd ours to close.
  const int no = 0;
  const int verbosity = SSH_LOG_NOLOG;
  // libssh gets empty known_hosts files, so it reads neither ~/.ssh/known_hosts, the system file,
  // nor the module's (which it would read twice per connection: to order host key algorithms and
  // in ssh_session_is_known_server). The probe checks the key against the module's file as
  // parsed at config load (known_hosts.hpp).
  bool ok = ssh_options_set(raw, SSH_OPTIONS_PROCESS_CONFIG, &no) == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_HOST, options.host.c_str()) == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_PORT, &options.port) == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_USER, options.user.c_str()) == SSH_OK &&
            // Keeps libssh from asking NSS for a home directory.
            ssh_options_set(raw, SSH_OPTIONS_SSH_DIR, "/nonexistent") == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") == SSH_OK &&
            ssh_options_set(raw, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == SSH_OK;
  ok = ok && session.set_list(SSH_OPTIONS_HOSTKEYS, options.host_key_algorithms) &&
       session.set_list(SSH_OPTIONS_KEY_EXCHANGE, options.kex_algorithms) &&
       session.set_list(SSH_OPTIONS_CIPHERS_C_S, options.ciphers) &&
       session.set_list(SSH_OPTIONS_CIPHERS_S_C, options.ciphers) &&
       session.set_list(SSH_OPTIONS_HMAC_C_S, options.macs) && session.set_list(SSH_OPTIONS_HMAC_S_C, options.macs) &&
       session.set_list(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, options.pubkey_algorithms);
  if (!ok) {
    Error error = session.last_error(ErrorCode::internal, "setting session options");
    ::close(options.fd);
    return std::unexpected(std::move(error));
  }
  socket_t fd = options.fd;
  if (ssh_options_set(raw, SSH_OPTIONS_FD, &fd) != SSH_OK) {
    ::close(options.fd);
    return fail(ErrorCode::internal, "cannot hand the socket to libssh");
  }
  ssh_set_blocking(raw, 0);
  const auto defaults = default_algorithms(AlgorithmKind::kex);
  std::vector<std::string> kex = options.kex_algorithms;
  if (kex.empty()) kex.assign(defaults.begin(), defaults.end());
  for (auto& name : kex) {
    if (name.starts_with("diffie-hellman-group-exchange-")) session.group_exchange_offered_.push_back(std::move(name));
  }
  return session;
}

// An empty list leaves libssh's default.
bool SshSession::set_list(ssh_options_e option, const std::vector<std::string>& names) {
  if (names.empty()) return true;
  return ssh_options_set(session_.get(), option, join(names, ",").c_str()) == SSH_OK;
}

Error SshSession::last_error(ErrorCode code, std::string_view what) const {
  const char* text = ssh_get_error(session_.get());
  std::string message(what);
  if (text != nullptr && *text != '\0') message += std::string(": ") + text;
  return Error{code, std::move(message), std::nullopt};
}

Error SshSession::channel_error(std::string_view what) const {
  // libssh marks the server's refusals (SSH_MSG_CHANNEL_OPEN_FAILURE, SSH_MSG_CHANNEL_FAILURE)
  // as SSH_REQUEST_DENIED; a lost connection is SSH_FATAL.
  const bool refused = ssh_get_error_code(session_.get()) == SSH_REQUEST_DENIED;
  return last_error(refused ? ErrorCode::permission_denied : ErrorCode::unavailable, what);
}

Result<Progress> SshSession::connect() {
  switch (ssh_connect(session_.get())) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: {
      Error error = last_error(ErrorCode::unavailable, "key exchange failed");
      error.message += mismatch_hint(error.message);
      return std::unexpected(std::move(error));
    }
  }
}

bool SshSession::wants_write() const { return (ssh_get_poll_flags(session_.get()) & SSH_WRITE_PENDING) != 0; }

ServerInfo SshSession::server_info() const {
  ServerInfo info;
  ssh_session s = session_.get();
  info.banner = or_empty(ssh_get_serverbanner(s));
  info.software = banner_software(info.banner);
  info.kex = or_empty(ssh_get_kex_algo(s));
  // libssh 0.10.6's ssh_get_kex_algo has no name for group exchange (src/session.c): a finished key
  // exchange without one used a group-exchange method the probe offered. When it offered both,
  // which one is unknown, and both are named ("a|b").
  if (info.kex.empty() && ssh_get_cipher_in(s) != nullptr) info.kex = join(group_exchange_offered_, "|");
  info.cipher = or_empty(ssh_get_cipher_in(s));
  info.mac = or_empty(ssh_get_hmac_in(s));
  return info;
}

Result<ServerHostKey> SshSession::server_host_key() const {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session_.get(), &key) != SSH_OK) {
    return std::unexpected(last_error(ErrorCode::unavailable, "no server host key"));
  }
  std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)> owned(key, &ssh_key_free);
  unsigned char* hash = nullptr;
  size_t hash_len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) != 0) {
    return fail(ErrorCode::internal, "cannot hash the server host key");
  }
  char* fingerprint = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_len);
  ssh_clean_pubkey_hash(&hash);
  if (fingerprint == nullptr) return fail(ErrorCode::internal, "cannot format the host key fingerprint");
  ServerHostKey host_key{{or_empty(ssh_key_type_to_char(ssh_key_type(key))), fingerprint}, {}};
  ssh_string_free_char(fingerprint);
  // libssh 0.10 exports the wire encoding only as base64 (ssh_pki_export_pubkey_blob is private).
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || base64 == nullptr) {
    return fail(ErrorCode::internal, "cannot encode the server host key");
  }
  auto blob = base64_decode(base64);
  ssh_string_free_char(base64);
  if (!blob) return fail(ErrorCode::internal, "cannot decode the server host key");
  host_key.blob = std::move(*blob);
  return host_key;
}

Result<AuthOutcome> SshSession::auth_result(int rc, std::string_view method) {
  switch (rc) {
    case SSH_AUTH_SUCCESS: return AuthOutcome::success;
    case SSH_AUTH_DENIED: return AuthOutcome::denied;
    case SSH_AUTH_PARTIAL: return AuthOutcome::partial;
    case SSH_AUTH_AGAIN: return AuthOutcome::again;
    default:
      return std::unexpected(last_error(ErrorCode::unavailable, std::string(method) + " authentication failed"));
  }
}

Result<AuthOutcome> SshSession::auth_publickey(ssh_key key) {
  auto outcome = auth_result(ssh_userauth_publickey(session_.get(), nullptr, key), "publickey");
  // libssh 0.10 refuses a key whose signature algorithm pubkey_accepted_algorithms does not allow
  // with SSH_AUTH_DENIED too, without sending anything (src/auth.c). Publickey is tried first, so
  // no method list from the server yet means the server was not asked: every refusal it sends
  // names the methods that can continue.
  if (outcome && *outcome == AuthOutcome::denied && ssh_userauth_list(session_.get(), nullptr) == 0) {
    return AuthOutcome::not_sent;
  }
  return outcome;
}

Result<AuthOutcome> SshSession::auth_password(const Secret& password) {
  return auth_result(ssh_userauth_password(session_.get(), nullptr, password.reveal().c_str()), "password");
}

Result<AuthOutcome> SshSession::auth_kbdint(const Secret& password) {
  ssh_session s = session_.get();
  int rc = ssh_userauth_kbdint(s, nullptr, nullptr);
  // PAM may ask several rounds (the last often with no prompt): answer each and go on.
  while (rc == SSH_AUTH_INFO) {
    const int prompts = ssh_userauth_kbdint_getnprompts(s);
    for (int i = 0; i < prompts; ++i) {
      if (ssh_userauth_kbdint_setanswer(s, static_cast<unsigned>(i), password.reveal().c_str()) < 0) {
        return std::unexpected(last_error(ErrorCode::internal, "keyboard-interactive answer"));
      }
    }
    rc = ssh_userauth_kbdint(s, nullptr, nullptr);
  }
  return auth_result(rc, "keyboard-interactive");
}

std::string SshSession::offered_auth_methods() const {
  const int methods = ssh_userauth_list(session_.get(), nullptr);
  std::vector<std::string> names;
  if (methods & SSH_AUTH_METHOD_PUBLICKEY) names.emplace_back("publickey");
  if (methods & SSH_AUTH_METHOD_PASSWORD) names.emplace_back("password");
  if (methods & SSH_AUTH_METHOD_INTERACTIVE) names.emplace_back("keyboard-interactive");
  if (methods & SSH_AUTH_METHOD_HOSTBASED) names.emplace_back("hostbased");
  if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names.emplace_back("gssapi-with-mic");
  return join(names, ",");
}

void SshSession::disconnect() {
  // libssh 0.10.6 forgets the SSH_OPTIONS_FD descriptor on ssh_disconnect without closing it, and
  // ssh_free then no longer closes it either (ssh_free alone does): without this, every disconnected
  // probe leaked its descriptor and kept its connection, and a process of the target's sshd, open.
  // After some errors libssh has closed it already and reports SSH_INVALID_SOCKET.
  const socket_t fd = ssh_get_fd(session_.get());
  ssh_disconnect(session_.get());
  if (fd != SSH_INVALID_SOCKET) ::close(fd);
}

SshChannel::SshChannel(SshSession& session) : session_(session), channel_(ssh_channel_new(session.session_.get())) {
  ssh_callbacks_init(&callbacks_);
  callbacks_.userdata = this;
  callbacks_.channel_exit_signal_function = &SshChannel::on_exit_signal;
  callbacks_.channel_data_function = &SshChannel::on_data;
  callbacks_.channel_close_function = &SshChannel::on_close;
  if (channel_ != nullptr) ssh_set_channel_callbacks(channel_, &callbacks_);
}

SshChannel::~SshChannel() {
  if (channel_ == nullptr) return;
  // libssh keeps a freed channel until the server confirms the close, and may still deliver its
  // exit-signal then: the callbacks must not point at this object any more.
  ssh_remove_channel_callbacks(channel_, &callbacks_);
  ssh_channel_free(channel_);
}

void SshChannel::on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                                void* self) noexcept {
  try {
    static_cast<SshChannel*>(self)->exit_signal_ = signal != nullptr ? signal : "unknown";
  } catch (...) {
    // Out of memory for a signal name: the command still ends, only its signal goes unnamed.
  }
}

void SshChannel::on_close(ssh_session, ssh_channel, void* self) noexcept {
  static_cast<SshChannel*>(self)->closed_by_server_ = true;
}

int SshChannel::on_data(ssh_session, ssh_channel, void*, uint32_t, int, void* self) noexcept {
  static_cast<SshChannel*>(self)->data_arrived_ = true;
  return 0;  // nothing taken: the data stays in libssh's buffer for read_available
}

Result<Progress> SshChannel::open() {
  if (channel_ == nullptr) return fail(ErrorCode::internal, "cannot allocate a channel");
  switch (ssh_channel_open_session(channel_)) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: return std::unexpected(session_.channel_error("cannot open a session channel"));
  }
}

Result<Progress> SshChannel::exec(const std::string& command) {
  switch (ssh_channel_request_exec(channel_, command.c_str())) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: return std::unexpected(session_.channel_error("cannot run the command"));
  }
}

Result<Progress> SshChannel::request_pty() {
  switch (ssh_channel_request_pty_size(channel_, "vt100", kPtyColumns, kPtyRows)) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: return std::unexpected(session_.channel_error("the server refused a pty"));
  }
}

Result<Progress> SshChannel::request_shell() {
  switch (ssh_channel_request_shell(channel_)) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: return std::unexpected(session_.channel_error("the server refused a shell"));
  }
}

Result<Progress> SshChannel::request_subsystem(const char* name) {
  switch (ssh_channel_request_subsystem(channel_, name)) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default: return std::unexpected(session_.channel_error(std::string("the server refused the subsystem ") + name));
  }
}

Result<std::size_t> SshChannel::write(const char* data, std::size_t size) {
  const auto capped = static_cast<uint32_t>(std::min<std::size_t>(size, INT_MAX));
  const int rc = ssh_channel_write(channel_, data, capped);
  if (rc >= 0) return static_cast<std::size_t>(rc);
  return std::unexpected(session_.last_error(ErrorCode::unavailable, "writing to the channel"));
}

Result<void> SshChannel::process_input() {
  if (channel_ == nullptr) return fail(ErrorCode::internal, "cannot allocate a channel");
  // On a channel with nothing buffered and no EOF, libssh handles the packets the socket holds.
  if (ssh_channel_poll(channel_, 0) == SSH_ERROR) {
    return std::unexpected(session_.last_error(ErrorCode::unavailable, "reading the session"));
  }
  return {};
}

Result<ChannelRead> SshChannel::read_available(std::string& out, std::size_t cap) {
  ChannelRead result;
  char buffer[16 * 1024];
  // Works around libssh 0.10: ssh_channel_read_nonblocking on an empty stream reads the socket
  // and processes every complete packet in it, whichever stream it is for. A stderr read may so
  // leave stdout data in libssh's buffer, often together with the command's last packets (exit
  // status, EOF, CLOSE); ssh_channel_is_eof stays false while data is unread. Once the server has
  // sent everything no socket event follows, and a probe that waited for one stalled until its
  // deadline. So go round until a whole pass reads nothing and libssh buffered nothing new
  // (on_data sees every data packet as it is buffered).
  // Bounded: a server that streams output (stderr is read and dropped) as fast as it is read would
  // otherwise keep this loop, and the probe's thread, busy past any deadline. After
  // kReadBudgetBytes the caller gets `more` and comes back once the handlers queued before it
  // (the deadline's among them) have run.
  std::size_t budget = kReadBudgetBytes;
  for (bool progress = true; progress;) {
    progress = false;
    data_arrived_ = false;
    for (int is_stderr = 0; is_stderr <= 1; ++is_stderr) {
      for (;;) {
        const int n = ssh_channel_read_nonblocking(channel_, buffer, sizeof buffer, is_stderr);
        if (n == SSH_ERROR) return std::unexpected(session_.last_error(ErrorCode::unavailable, "reading the channel"));
        if (n <= 0) break;  // nothing more for now, or SSH_EOF
        progress = true;
        budget -= std::min(budget, static_cast<std::size_t>(n));
        if (is_stderr) {
          const std::size_t room = kStderrHeadBytes - std::min(kStderrHeadBytes, stderr_head_.size());
          stderr_head_.append(buffer, std::min(room, static_cast<std::size_t>(n)));
          continue;
        }
        result.stdout_bytes += static_cast<std::size_t>(n);
        const std::size_t room = cap - std::min(cap, out.size());
        out.append(buffer, std::min(room, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) > room) {
          result.truncated = true;
          return result;
        }
      }
      if (budget == 0) {
        result.more = true;
        return result;
      }
    }
    progress = progress || data_arrived_;
  }
  return result;
}

std::optional<int> SshChannel::exit_status() {
  if (!exit_status_) {
    // Non-blocking session: this polls once and returns -1 while no status has arrived.
    const int status = ssh_channel_get_exit_status(channel_);
    if (status >= 0) exit_status_ = status;
  }
  return exit_status_;
}

bool SshChannel::finished() {
  if (ssh_channel_is_closed(channel_)) return true;
  if (!ssh_channel_is_eof(channel_)) return false;
  return exit_status().has_value() || !exit_signal_.empty();
}

bool SshChannel::at_end() { return ssh_channel_is_closed(channel_) || ssh_channel_is_eof(channel_); }

void SshChannel::send_signal(const char* signal) {
  if (channel_ != nullptr && ssh_channel_is_open(channel_)) ssh_channel_request_send_signal(channel_, signal);
}

void SshChannel::close() {
  if (channel_ != nullptr && !ssh_channel_is_closed(channel_)) ssh_channel_close(channel_);
}

}  // namespace spe
