# actorserve_check_headers(<target> <dir> <link-target>): compiles every
# header under <dir> on its own, so each one includes what it uses.
function(actorserve_check_headers target dir link_target)
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR} ${dir}/*.hpp)
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
