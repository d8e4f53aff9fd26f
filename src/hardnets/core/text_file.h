// Reading a whole file as text, with the user-facing message the front ends
// show when it cannot be read.
#pragma once

#include <filesystem>
#include <string>

namespace hardnets {

// The file's bytes. UserError "cannot open WHAT 'PATH'" when it cannot be read.
std::string read_text_file(const std::filesystem::path& path, const std::string& what);

}  // namespace hardnets
