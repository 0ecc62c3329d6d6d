# Checks which folder may include which (docs/architecture.md, "The map"):
#   actors/runtime/   nothing from actors/workers/, gateways/ or apps/
#   actors/workers/   may use runtime/; nothing from gateways/ or apps/
#   actors/*.hpp      the public face: its headers show no runtime/ or workers/
#   actors/*.cpp      may use runtime/; only node.cpp uses workers/ (where they meet)
#   gateways/, apps/, docs/examples/   only the public face of actors/
# The build runs it (target layout_check, part of every build), and so does
# the layout.include_rules test.
# Run: cmake -DSOURCE_DIR=<repository> -P cmake/CheckLayout.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "give -DSOURCE_DIR=<repository>")
endif()
file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/actors/*.hpp ${SOURCE_DIR}/actors/*.cpp
     ${SOURCE_DIR}/gateways/*.hpp ${SOURCE_DIR}/gateways/*.cpp
     ${SOURCE_DIR}/apps/*.hpp ${SOURCE_DIR}/apps/*.cpp
     ${SOURCE_DIR}/docs/examples/*.hpp ${SOURCE_DIR}/docs/examples/*.cpp)
set(violations "")
set(checked 0)
foreach(file ${sources})
  # Both forms: a project file reached with <...> must follow the rules too.
  file(STRINGS ${SOURCE_DIR}/${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]+[\"<]")
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+[\"<]([^\">]+)[\">].*" "\\1" target
           "${line}")
    math(EXPR checked "${checked} + 1")
    set(why "")
    if(file MATCHES "^actors/runtime/")
      if(target MATCHES "^(actors/workers|gateways|apps)/")
        set(why "the runtime includes nothing from actors/workers/, gateways/ or apps/")
      endif()
    elseif(file MATCHES "^actors/workers/")
      if(target MATCHES "^(gateways|apps)/")
        set(why "the worker subsystem includes nothing from gateways/ or apps/")
      endif()
    elseif(file MATCHES "^actors/[^/]+\\.hpp$")
      if(target MATCHES "^(actors/runtime|actors/workers|gateways|apps)/")
        set(why "a public header shows only the public face")
      endif()
    elseif(file MATCHES "^actors/[^/]+\\.cpp$")
      if(target MATCHES "^(gateways|apps)/")
        set(why "the public face includes nothing from gateways/ or apps/")
      elseif(target MATCHES "^actors/workers/" AND NOT file STREQUAL "actors/node.cpp")
        set(why "only node.cpp, where runtime and workers meet, includes actors/workers/")
      endif()
    else() # gateways/, apps/, docs/examples/
      if(target MATCHES "^actors/.+/")
        set(why "gateways, apps and examples include only the public face of actors/")
      elseif(file MATCHES "^gateways/" AND target MATCHES "^apps/")
        set(why "gateways include nothing from apps/")
      endif()
    endif()
    if(why)
      string(APPEND violations "  ${file} includes ${target}: ${why}\n")
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "layout: includes that break the rules:\n${violations}")
endif()
message(STATUS "layout: ${checked} includes checked, all follow the rules")
