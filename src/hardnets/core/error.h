// One error type for mistakes a user can fix (bad flags, parameters, files).
//
// Library code throws hardnets::UserError with a message a person can act on
// ("teacher: width must be in [1, 65536], got 0"); the CLI catches it, prints
// the message and exits with status 2. Anything else that escapes is a bug.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace hardnets {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Throws UserError with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw UserError(fmt::format(format, std::forward<Args>(args)...));
}

// Text read from a user's file, made safe to put in a message: printable
// ASCII is kept, every other byte (control characters, non-UTF-8 bytes) is
// written as \xNN, so a message never carries raw bytes to a client that
// decodes it. Longer text is cut at `max_chars` with "...".
std::string escaped(std::string_view text, std::size_t max_chars = 80);

}  // namespace hardnets
