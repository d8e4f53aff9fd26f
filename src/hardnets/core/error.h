// One error type for mistakes a user can fix (bad flags, parameters, files).
//
// Library code throws hardnets::UserError with a message a person can act on
// ("teacher: width must be in [1, 65536], got 0"); the CLI catches it, prints
// the message and exits with status 2. Anything else that escapes is a bug.
#pragma once

#include <stdexcept>
#include <string>

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

}  // namespace hardnets
