# Writes build_info.h (version, git revision, compiler) from build_info.h.in.
# Run at every build, not only at configure time, so the revision stored with
# each run is the one the binary was built from; "-dirty" marks uncommitted
# changes. configure_file rewrites the header only when its text changes, so
# an unchanged revision triggers no recompilation.
# Inputs: SOURCE_DIR, INPUT, OUTPUT, PROJECT_VERSION, CMAKE_CXX_COMPILER_ID,
# CMAKE_CXX_COMPILER_VERSION, CMAKE_BUILD_TYPE.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE HARDNETS_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE git_failed ERROR_QUIET)
if(git_failed OR NOT HARDNETS_GIT_REVISION)
  set(HARDNETS_GIT_REVISION "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD --
                  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE dirty ERROR_QUIET)
  if(dirty)
    string(APPEND HARDNETS_GIT_REVISION "-dirty")
  endif()
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
