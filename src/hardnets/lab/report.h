// `hardnets report`: figures, tables and an HTML page from a results store.
//
// The work is done by scripts/report.py (matplotlib), which is embedded in the
// library at build time and run with the system's Python, so the binary needs
// neither the source tree nor a Python environment of its own: only Debian's
// python3 and python3-matplotlib. What the report draws is described in the
// script's docstring and in docs/cli.md; each sweep's [report] section (stored
// in the database as meta "report:<sweep>") chooses its figures.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hardnets/core/json.h"

namespace hardnets {

// Reads the store `db` (read-only) and writes out_dir/index.html, the figures
// (PNG and SVG) and the CSV tables, creating out_dir if needed. A missing or
// foreign database, a missing Python or matplotlib, or any failure of the
// script is a UserError carrying the script's message. The interpreter is
// /usr/bin/python3 unless the environment variable HARDNETS_PYTHON names
// another one.
void write_report(const std::filesystem::path& db, const std::filesystem::path& out_dir);

// The problems of one sweep's [report] section (kinds, keys, types; the
// script's own check), one message each; empty when it is right, and when
// Python or matplotlib is missing (write_report then says so). What
// `hardnets sweep` checks before it runs anything.
std::vector<std::string> report_spec_errors(const Json& report);

// The embedded script's text (what write_report runs).
std::string_view report_script();

}  // namespace hardnets
