# Writes OUTPUT, a C++ header defining `inline constexpr std::string_view NAME`
# that holds the text of INPUT, so a program can carry a file (the report
# script) without depending on the source tree at run time.
#
#   cmake -DINPUT=file -DOUTPUT=header.h -DNAME=kText -P EmbedText.cmake
#
# The text goes into a raw string literal. Its delimiter is chosen so that
# `)DELIM"` does not occur in the text: whatever the file contains, the
# literal ends where it should.
foreach(var INPUT OUTPUT NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedText.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" text)
set(delimiter "")
foreach(i RANGE 0 999)
  string(FIND "${text}" ")embed${i}\"" found)
  if(found EQUAL -1)
    set(delimiter "embed${i}")
    break()
  endif()
endforeach()
if(delimiter STREQUAL "")
  message(FATAL_ERROR "EmbedText.cmake: no free raw-string delimiter for ${INPUT}")
endif()

get_filename_component(input_name "${INPUT}" NAME)
set(header "// Generated from ${input_name} by cmake/EmbedText.cmake: do not edit.
#pragma once

#include <string_view>

namespace hardnets::generated {

inline constexpr std::string_view ${NAME} = R\"${delimiter}(${text})${delimiter}\";

}  // namespace hardnets::generated
")
file(WRITE "${OUTPUT}" "${header}")
