#include "http/tls_context.hpp"

#include <string>
#include <string_view>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "util/file.hpp"

namespace spe::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

constexpr std::string_view kSessionIdContext = "ssh_probe_exporter";

// The content of a file the web config names, read as the loader checked it: bounded, and only a
// regular file (OpenSSL's *_file calls would open a FIFO put there since and wait on it).
Result<std::string> read_tls_file(const std::string& path, std::string_view key, const SourcePos& at) {
  auto content = read_file_bounded(path, kMaxTlsFileSize);
  if (!content) {
    return fail(content.error().code(),
                std::string(key) + ": cannot read \"" + path + "\": " + content.error().describe(), at);
  }
  return std::move(content->text);
}

// Names every certificate of a PEM bundle as an acceptable client CA; false when it holds none.
bool add_client_ca_names(SSL_CTX* context, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int added = 0;
  while (X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr) {
    added += SSL_CTX_add_client_CA(context, cert);
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the read that ended the loop left "no start line"
  return added > 0;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsConfig& tls) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  // An encrypted key must fail here, not make OpenSSL prompt for a passphrase on the terminal.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  const auto chain = read_tls_file(tls.cert_file, "tls.cert_file", tls.cert_file_at);
  if (!chain) return std::unexpected(chain.error());
  context->use_certificate_chain(asio::buffer(*chain), ec);
  if (ec) {
    return fail(ErrorCode::invalid_argument,
                "tls.cert_file: cannot load certificate chain \"" + tls.cert_file + "\": " + ec.message(),
                tls.cert_file_at);
  }
  auto key = read_tls_file(tls.key_file, "tls.key_file", tls.key_file_at);
  if (!key) return std::unexpected(key.error());
  context->use_private_key(asio::buffer(*key), ssl::context::pem, ec);
  OPENSSL_cleanse(key->data(), key->size());  // OpenSSL holds its own copy now
  if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) {
    const std::string why = ec ? ec.message() : "it does not match the certificate";
    return fail(ErrorCode::invalid_argument, "tls.key_file: cannot use private key \"" + tls.key_file + "\": " + why,
                tls.key_file_at);
  }
  if (tls.client_ca_file.empty()) return context;
  const auto ca = read_tls_file(tls.client_ca_file, "tls.client_ca_file", tls.client_ca_file_at);
  if (!ca) return std::unexpected(ca.error());
  context->add_certificate_authority(asio::buffer(*ca), ec);
  // Tells clients which CAs we accept (curl sends its certificate regardless; browsers choose by it).
  if (ec || !add_client_ca_names(context->native_handle(), *ca)) {
    const std::string why = ec ? ec.message() : "no certificate in it";
    return fail(ErrorCode::invalid_argument,
                "tls.client_ca_file: cannot load CA certificates \"" + tls.client_ca_file + "\": " + why,
                tls.client_ca_file_at);
  }
  context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  // Required by OpenSSL to resume sessions of verified clients.
  SSL_CTX_set_session_id_context(context->native_handle(),
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 static_cast<unsigned>(kSessionIdContext.size()));
  return context;
}

}  // namespace spe::http
