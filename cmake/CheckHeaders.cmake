# actorserve_check_headers(<target> <dir> <link-target> [header...]): compiles
# each header on its own, so each one includes what it uses: the headers
# named (relative to <dir>), or every header under <dir>.
# <link-target> may be a list. The sanitizer build skips the check: the
# Release build has checked the headers.
function(actorserve_check_headers target dir link_target)
  if(ACTORSERVE_SANITIZE)
    return()
  endif()
  if(ARGN)
    set(headers)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${dir})
    foreach(name ${ARGN})
      list(APPEND headers ${rel}/${name})
    endforeach()
  else()
    file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR} ${dir}/*.hpp)
  endif()
  set(sources)
  foreach(header ${headers})
    string(MAKE_C_IDENTIFIER ${header} id)
    set(source ${CMAKE_CURRENT_BINARY_DIR}/header_check/${id}.cpp)
    file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n")
    list(APPEND sources ${source})
  endforeach()
  add_library(${target} OBJECT ${sources})
  target_link_libraries(${target} PRIVATE ${link_target})
endfunction()
