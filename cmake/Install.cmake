# What `cmake --install` installs (docs/operations.md, "Installing"), and
# the Debian packages `cpack -G DEB` makes of it, in two components:
#   dev      (package actorserve-dev) the public headers under
#            include/actorserve/, the static libraries, the CMake package
#            (find_package(actorserve CONFIG)), pkg-config files, the
#            out-of-tree example
#   runtime  (package actorserve) actorserve-example, actorserve-client, the
#            Python client, the example's config file, the systemd units,
#            the docs
# Included at the end of the top CMakeLists.txt, once every target exists.
# tests/install/ checks both: install_test.py (install.out_of_tree) and
# deb_test.sh (run by deploy/run-tests.sh).
include(CMakePackageConfigHelpers)

set(ACTORSERVE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/actorserve" CACHE STRING
    "where the CMake package goes, under the prefix")
set(ACTORSERVE_INSTALL_PYTHONDIR "lib/python3/dist-packages" CACHE STRING
    "where the Python client goes, under the prefix (Debian's path for the prefix /usr)")

# actorserve_install_edited(<source> <directory> <name> <component> [<from> <to>]...):
# installs <source> as <directory>/<name>, each <from> replaced by its <to>,
# where <directory> and the <to> are read at install time: they may name
# the prefix of that install (\${CMAKE_INSTALL_PREFIX}) and its
# configuration directory (\${actorserve_sysconfdir}: /etc for /usr).
function(actorserve_install_edited source directory name component)
  set(arguments "")
  foreach(argument IN LISTS ARGN)
    string(REPLACE "\n" "\\n" argument "${argument}")
    string(APPEND arguments " \"${argument}\"")
  endforeach()
  install(CODE "set(ACTORSERVE_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/InstallTime.cmake\")
actorserve_install_edited(\"${source}\" \"${directory}\" \"${name}\"${arguments})"
          COMPONENT ${component})
endfunction()

# The libraries, under the names the tree and the package share:
# actorserve_core is actorserve::core in both. The clients need no CAF and
# are exported apart, so that a project asking for them alone does not
# need CAF either (cmake/actorserveConfig.cmake.in).
set(actorserve_client_libraries actorserve_base actorserve_pickle actorserve_socket_client
    actorserve_pipe)
set(actorserve_runtime_libraries actorserve_core actorserve_http_listener actorserve_http
    actorserve_socket actorserve_fifo)
foreach(library IN LISTS actorserve_client_libraries actorserve_runtime_libraries)
  string(REGEX REPLACE "^actorserve_" "" name ${library})
  set_target_properties(${library} PROPERTIES EXPORT_NAME ${name})
endforeach()
install(TARGETS ${actorserve_client_libraries} EXPORT actorserve_client_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(TARGETS ${actorserve_runtime_libraries} EXPORT actorserve_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT actorserve_client_targets NAMESPACE actorserve::
        FILE actorserveClientTargets.cmake DESTINATION ${ACTORSERVE_INSTALL_CMAKEDIR} COMPONENT dev)
install(EXPORT actorserve_targets NAMESPACE actorserve::
        FILE actorserveTargets.cmake DESTINATION ${ACTORSERVE_INSTALL_CMAKEDIR} COMPONENT dev)
configure_package_config_file(cmake/actorserveConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/actorserveConfig.cmake
  INSTALL_DESTINATION ${ACTORSERVE_INSTALL_CMAKEDIR})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/actorserveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/actorserveConfig.cmake
              ${PROJECT_BINARY_DIR}/package/actorserveConfigVersion.cmake
              cmake/FindCAF.cmake
        DESTINATION ${ACTORSERVE_INSTALL_CMAKEDIR} COMPONENT dev)

# The public headers, at their paths in the tree under include/actorserve/,
# so that "actors/node.hpp" reads the same in and out of the tree: the
# public face of actors/ (its headers include nothing from runtime/ or
# workers/: cmake/CheckLayout.cmake) and the gateways' headers, but for
# those that only their sources include (Asio, Beast, internals).
set(actorserve_include_dir ${CMAKE_INSTALL_INCLUDEDIR}/actorserve)
install(DIRECTORY actors/ DESTINATION ${actorserve_include_dir}/actors COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp" PATTERN runtime EXCLUDE PATTERN workers EXCLUDE)
install(DIRECTORY gateways/ DESTINATION ${actorserve_include_dir}/gateways COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp"
        PATTERN client_timeout.hpp EXCLUDE PATTERN tcp_listen.hpp EXCLUDE
        PATTERN beast_request.hpp EXCLUDE PATTERN error_status.hpp EXCLUDE)
install(DIRECTORY docs/examples/out_of_tree DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        COMPONENT dev)

# pkg-config files, one per library, for the static libraries and what they
# need. CAF has no pkg-config file: its libraries are named in Libs.
function(actorserve_pkg_config name description requires cflags libs)
  set(PC_NAME ${name})
  set(PC_DESCRIPTION "${description}")
  set(PC_REQUIRES "${requires}")
  set(PC_CFLAGS "${cflags}")
  set(PC_LIBS "-L\${libdir} ${libs}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/actorserve.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc @ONLY)
  # The prefix line names the prefix of the install, not of the configure.
  actorserve_install_edited(${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc
    "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig" ${name}.pc dev
    "prefix=${CMAKE_INSTALL_PREFIX}\n" "prefix=\${CMAKE_INSTALL_PREFIX}\n")
endfunction()
actorserve_pkg_config(actorserve-base "actorserve: what every part shares (JSON, logs, metrics)"
  "nlohmann_json >= 3.10" "-I\${includedir}/actorserve -DJSON_USE_IMPLICIT_CONVERSIONS=0"
  "-lactorserve_base")
actorserve_pkg_config(actorserve-socket-client "actorserve: the socket gateway's client, without CAF"
  "actorserve-base = ${PROJECT_VERSION}" "-pthread" "-lactorserve_socket_client -pthread")
actorserve_pkg_config(actorserve-pickle "actorserve: the safe pickle subset (plain values to and from Python), without CAF"
  "actorserve-base = ${PROJECT_VERSION}" "" "-lactorserve_pickle")
actorserve_pkg_config(actorserve-pipe "actorserve: named pipes framed as Python's multiprocessing.connection, without CAF"
  "actorserve-pickle = ${PROJECT_VERSION}" "" "-lactorserve_pipe")
actorserve_pkg_config(actorserve-core "actorserve: the runtime (application, node, routes, workers) on CAF 0.17"
  "actorserve-base = ${PROJECT_VERSION}, openssl" "-pthread"
  "-lactorserve_core -lcaf_openssl -lcaf_io -lcaf_core -ldl -pthread")
actorserve_pkg_config(actorserve-http "actorserve: the HTTP gateway"
  "actorserve-core = ${PROJECT_VERSION}" "" "-lactorserve_http -lactorserve_http_listener")
actorserve_pkg_config(actorserve-socket "actorserve: the socket gateway (TCP and Unix sockets)"
  "actorserve-core = ${PROJECT_VERSION}, actorserve-socket-client = ${PROJECT_VERSION}" ""
  "-lactorserve_socket")
actorserve_pkg_config(actorserve-fifo "actorserve: the FIFO gateway"
  "actorserve-core = ${PROJECT_VERSION}, actorserve-pipe = ${PROJECT_VERSION}" ""
  "-lactorserve_fifo")

# The programs, the Python client (on Python's path when the prefix is /usr)
# and the docs.
install(TARGETS actorserve-example actorserve-client
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES apps/python/actorserve_client.py DESTINATION ${ACTORSERVE_INSTALL_PYTHONDIR}
        COMPONENT runtime)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT runtime
        FILES_MATCHING PATTERN "*.md" PATTERN examples EXCLUDE)
# The example's config file, where its unit reads it (/etc/actorserve/ for
# /usr; a conffile of the Debian package, deploy/debian/conffiles), and
# the units, which name where the binary and the config are.
actorserve_install_edited(${PROJECT_SOURCE_DIR}/deploy/actorserve-example.toml
  "\${actorserve_sysconfdir}/actorserve" example.toml runtime)
foreach(unit actorserve-example.service actorserve-worker@.service)
  actorserve_install_edited(${PROJECT_SOURCE_DIR}/deploy/systemd/${unit}
    "\${CMAKE_INSTALL_PREFIX}/lib/systemd/system" ${unit} runtime
    "/usr/bin/actorserve-example" "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/actorserve-example"
    "/etc/actorserve/" "\${actorserve_sysconfdir}/actorserve/")
endforeach()

# cpack -G DEB (in the build directory): actorserve_<version>_<arch>.deb
# (the runtime component) and actorserve-dev_<version>_<arch>.deb, for
# Debian 12. The runtime's Depends come from dpkg-shlibdeps (the libraries
# the programs link: CAF's, OpenSSL's, the C++ runtime's); the headers and
# the CMake package need CAF's, JSON's and OpenSSL's development files.
set(ACTORSERVE_PACKAGE_MAINTAINER "actorserve maintainers <maintainers@actorserve.invalid>"
    CACHE STRING "the Maintainer field of the Debian packages")
set(CPACK_PACKAGE_NAME actorserve)
set(CPACK_PACKAGE_VENDOR actorserve)
set(CPACK_PACKAGE_CONTACT "${ACTORSERVE_PACKAGE_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ACTORSERVE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Each package's Description is its summary line, then paragraphs (CPack
# indents them as Debian wants): no CPACK_PACKAGE_DESCRIPTION_SUMMARY,
# which CPack would put before both.

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME actorserve)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# For the Python client (/usr/lib/python3/dist-packages/actorserve_client.py).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS python3)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
"serves functions and stateful services as CAF actors
actorserve serves functions and stateful services as actors of the C++
Actor Framework (CAF 0.17), over HTTP, framed records on TCP and Unix
sockets, and named pipes, with supervised worker processes.

This package holds the example service actorserve-example (with a config
file and hardened systemd units), the command line client
actorserve-client and the Python client module actorserve_client.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME actorserve-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libcaf-dev (>= 0.17.6), libcaf-dev (<< 0.18), nlohmann-json3-dev (>= 3.10), libssl-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "cmake, pkgconf")
set(CPACK_COMPONENT_DEV_DESCRIPTION
"serves functions and stateful services as CAF actors: development files
actorserve serves functions and stateful services as actors of the C++
Actor Framework (CAF 0.17), over HTTP, framed records on TCP and Unix
sockets, and named pipes, with supervised worker processes.

This package holds the headers and static libraries of the runtime, the
gateways and the clients (the clients need no CAF), a CMake package
(find_package(actorserve CONFIG)) and pkg-config files.")
include(CPack)
