#include "hardnets/core/text_file.h"

#include <fstream>
#include <sstream>

#include "hardnets/core/error.h"

namespace hardnets {

std::string read_text_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open {} '{}'", what, path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace hardnets
