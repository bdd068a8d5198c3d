// A known_hosts file with every kind of line OpenSSH reads, and the public keys it names: shared by the parser's
// unit tests and the tests that compare the parser with the real ssh-keygen.
#pragma once

#include <string>

namespace spe::test {

// Public keys made by ssh-keygen for these tests (the sk ones built by hand: no token here).
inline const std::string kEd25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIP+u+XRiEFFvFd4JgcYpvG6DNgPw8d74jAXQSzLdUZxH";
inline const std::string kEd25519Other = "AAAAC3NzaC1lZDI1NTE5AAAAIJlML9+Cy7jmYu1lROkxTcQ4WxHMFMoSSZJfDMVq0f7Q";
inline const std::string kEcdsa256 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNwGPb5rWGnD9Hx/cJgRAAA1hqlFLJwPxx/BGGUEevqdI3Lo6Me1lhSpnI"
    "ud7PR2dzmqYuQ4C6RdWy3OvhNJxuY=";
inline const std::string kEcdsa384 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBF846q2PCc75InUa74bstu9IRfkOXgFvzNnCjCnNe7NuchQwIopEbxIo9a"
    "ulOI1mxWPPqxhLoOCwcYjHDA+O+6u1U2UOve2ZnUoOrBiPr1cL5O8ad98/Odu/kCf7TcUZ+A==";
inline const std::string kEcdsa521 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAE+3dJLJGwflj9FwaY0LJQIXrcwNer9cW2CF92BP4hrxSzJfP9uN7s/yX"
    "PNnqHK7bgDH3va3DhzJ/IZwzk/NJAbCwCQ1eY4DZp7JMDdQS1nbYtNpj4sktJaCg40I57oeNyoFDwL6SO2RuD1Sg+wavqyO23G7LNW0nNN6vkS"
    "3pM8TihfLQ==";
inline const std::string kRsa =
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzu/TfhGAu+Uz9woqe0DWokfGK+s9fC/FjBQ60cu0bq5qOUQsL7rwI80AQtAHygGC+prEEoFX7RAjykf"
    "wt9xBCMLZTqEx6pu5OFQOOI9y5O1ncfcYbjmd229i+AErE6q7bdpsWa5MYmqaBo+eQvZDSdRu+Q16gghSBetf4hZ7C3w==";
inline const std::string kDsa =
    "AAAAB3NzaC1kc3MAAACBAN0MLEmduWBIQ3ACu7PNROud1tBn7HMXoAQynwyDWDuLYl5J/387EGEBf7bsUVEwm/o0PYAPDjGWQDpQP/EYKbcBqi"
    "SJefvXzGhqpBvFEzrvA9Pep1Vsw4YTgZjSk8sBhFWjh7QWzs5Om7edXbUNj7fYR4tVPQh1Poi4NTaiFXsBAAAAFQDZNtRgoM87a9sPZi0vMcLV"
    "87YFXwAAAIBf6P8tQ/rPR1FuNWdnlq/ZcnsGyQA1oTee56DtVoh+WNvwpRIsoBoNPD6Bq/jIR1y20tEOwgB0HQ78InEZUzntm4OZCRVLbFLXrA"
    "fpldUZgf+pFfi/CWB+ubw/dna4U4G0KLF/ScdszI9Ipoq2tc3sxEco/nV96oR74rhdCNmSSgAAAIEAxRTtdaotUPNH6qjtBXpInnKclVIoYlka"
    "jagWFuB9G76i2e9ctOc34xBPDu6qYNO6d8WTZzPhh3w/oFToOKiP9z+mA2tHeh5Pgb0mbEnL4RmwY5rfmL7GCEYmJeHH7Ng51rmUJDkVXocTaz"
    "7CNRnlF994ubiC7kXl/QxLeyYRb1k=";
inline const std::string kSkEd25519 =
    "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo=";
inline const std::string kSkEcdsa =
    "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBNwGPb5rWGnD9Hx/cJgRAAA1hqlFLJwPxx/BGG"
    "UEevqdI3Lo6Me1lhSpnIud7PR2dzmqYuQ4C6RdWy3OvhNJxuYAAAAEc3NoOg==";

// A file of every kind of line OpenSSH reads. Line numbers matter: tests name them.
inline const std::string kMixed =
    "# a comment, then a blank line and one of blanks\n"  // 1
    "\n"                                                  // 2
    " \t \n"                                              // 3
    "example.com ssh-ed25519 " +
    kEd25519 +
    " plain name\n"  // 4
    "[example.com]:2222 ssh-ed25519 " +
    kEd25519Other +
    "\n"  // 5
    "*.example.org,!bad.example.org ecdsa-sha2-nistp256 " +
    kEcdsa256 +
    "\n"  // 6
    "192.168.1.? ssh-rsa " +
    kRsa +
    "\n"  // 7
    "[127.0.0.1]:2222,10.0.0.1 ssh-ed25519 " +
    kEd25519 +
    "\n"  // 8
    "@revoked *.example.org ssh-ed25519 " +
    kEd25519Other +
    "\n"  // 9
    "@cert-authority *.example.com ssh-ed25519 " +
    kEd25519Other +
    "\n"  // 10
    "Mixed.Case.NET ssh-dss " +
    kDsa +
    "\n"  // 11
    "[*.wild]:* ssh-ed25519 " +
    kEd25519 +
    "\n"  // 12
    "sk.example.com sk-ssh-ed25519@openssh.com " +
    kSkEd25519 +
    "\n"  // 13
    "sk.example.com sk-ecdsa-sha2-nistp256@openssh.com " +
    kSkEcdsa +
    "\n"  // 14
    "h?st.example.com,alias ecdsa-sha2-nistp384 " +
    kEcdsa384 +
    "\n"  // 15
    "!only.negated.test ssh-ed25519 " +
    kEd25519 +
    "\n"  // 16
    "\texample.com\tecdsa-sha2-nistp521\t" +
    kEcdsa521 +
    "\t# tabs\n"  // 17
    "*.example.org ssh-ed25519 " +
    kEd25519 +
    "\n"  // 18
    "example.com ssh-ed25519 " +
    kEd25519Other + "\r\n";  // 19

}  // namespace spe::test
