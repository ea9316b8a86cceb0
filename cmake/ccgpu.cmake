# Shared build settings and helper functions for ccgpu targets.

# Warnings are errors everywhere; third-party headers come in as SYSTEM so
# their warnings do not count.
set(CCGPU_WARNINGS -Wall -Wextra -Werror -Wshadow -Wconversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
    -Wimplicit-fallthrough)

# GCC 12 at -O2 reports false -Warray-bounds / -Wrestrict / -Wstringop-* /
# -Wnull-dereference / -Wmaybe-uninitialized
# positives inside libstdc++'s own std::vector / std::string code after
# inlining (GCC bugs 105329, 105651, 107138; the last one for copying a struct
# whose std::vector member has a brace-initialised default). They stay visible as warnings in
# optimised GCC 12 builds but do not fail them; every other warning does, and
# the debug and asan presets keep all of them as errors.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13
   AND CMAKE_BUILD_TYPE MATCHES "Release|RelWithDebInfo")
  list(APPEND CCGPU_WARNINGS -Wno-error=array-bounds -Wno-error=restrict
       -Wno-error=stringop-overread -Wno-error=stringop-overflow
       -Wno-error=null-dereference -Wno-error=maybe-uninitialized)
endif()

# Clang's -Wconversion also enables -Wsign-conversion, which GCC's does not;
# the code is held to GCC's -Wconversion (STYLE.md: "where practical"), so
# the fuzz preset (clang) turns the sign half off rather than diverge.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND CCGPU_WARNINGS -Wno-sign-conversion)
endif()

# Unity builds (scripts/test.sh turns them on to keep CI within its time
# budget) include each .cc into a batch file, so GCC treats a class whose
# member uses a type from that .cc's anonymous namespace as if it were in a
# header and warns (-Wsubobject-linkage). In a unity batch that is not a
# linkage problem: the types still have one definition per program.
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CCGPU_WARNINGS -Wno-subobject-linkage)
endif()

add_library(ccgpu_options INTERFACE)
target_compile_options(ccgpu_options INTERFACE ${CCGPU_WARNINGS})
# Always-on libstdc++ bounds checks (STYLE.md: bounds are never debug-only).
target_compile_definitions(ccgpu_options INTERFACE _GLIBCXX_ASSERTIONS)
target_include_directories(ccgpu_options INTERFACE ${CMAKE_SOURCE_DIR}/src)

# ccgpu_library(NAME SOURCES ... DEPS ...)
function(ccgpu_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC ccgpu_options ${ARG_DEPS})
endfunction()

# ccgpu_test(NAME SOURCES ... DEPS ...): one GoogleTest binary, registered
# with ctest test by test. Tests run with the source tree as working dir.
function(ccgpu_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  # Test files each keep their own helpers (H, Pattern, fixtures…) in an
  # anonymous namespace; batched into one unity file they would collide, so
  # test targets always compile file by file.
  set_target_properties(${name} PROPERTIES UNITY_BUILD OFF)
  target_link_libraries(${name} PRIVATE ccgpu_options ${ARG_DEPS}
                        GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
      CCGPU_TESTDATA_DIR="${CCGPU_TESTDATA_DIR}"
      CCGPU_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      CCGPU_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name}
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
      DISCOVERY_TIMEOUT 60
      PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# ccgpu_fuzz(NAME SOURCE ... DEPS ...): a libFuzzer target. In a fuzz build it
# links -fsanitize=fuzzer; in every other build it links a replay driver and
# runs as a ctest over its committed seed corpus fuzz/corpus/NAME.
function(ccgpu_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(corpus "${CMAKE_SOURCE_DIR}/fuzz/corpus/${name}")
  if(CCGPU_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ccgpu_options ${ARG_DEPS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  endif()
  add_executable(replay_${name} ${ARG_SOURCES}
                 ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cc)
  target_link_libraries(replay_${name} PRIVATE ccgpu_options ${ARG_DEPS})
  add_test(NAME fuzz_replay.${name} COMMAND replay_${name} ${corpus})
  set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()

include(GoogleTest)
