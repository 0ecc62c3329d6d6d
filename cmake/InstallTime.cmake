# Runs inside the install script (cmake_install.cmake), where
# CMAKE_INSTALL_PREFIX is the prefix of this install: `cmake --install
# --prefix DIR`, or /usr when cpack makes the Debian packages. For the files
# whose place or content depends on it (cmake/Install.cmake says which).
# ACTORSERVE_BINARY_DIR is the build directory.

# The configuration directory as GNUInstallDirs has it: /etc for the prefix
# /usr, PREFIX/etc for any other.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(actorserve_sysconfdir "/etc")
else()
  set(actorserve_sysconfdir "${CMAKE_INSTALL_PREFIX}/etc")
endif()

# actorserve_install_edited(<source> <directory> <name> [<from> <to>]...):
# installs <source> as <directory>/<name>, with every <from> replaced by
# the <to> after it.
function(actorserve_install_edited source directory name)
  file(READ "${source}" text)
  set(pairs ${ARGN})
  while(pairs)
    list(POP_FRONT pairs from to)
    string(REPLACE "${from}" "${to}" text "${text}")
  endwhile()
  # A copy of its own for each destination, since installs to other
  # prefixes may run at once; removed once installed.
  string(MD5 key "$ENV{DESTDIR}${directory}/${name}")
  set(edited "${ACTORSERVE_BINARY_DIR}/install-edited/${key}")
  file(WRITE "${edited}/${name}" "${text}")
  file(INSTALL DESTINATION "${directory}" TYPE FILE FILES "${edited}/${name}")
  file(REMOVE_RECURSE "${edited}")
  # file(INSTALL) lists the file for install_manifest.txt in this scope.
  set(CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_MANIFEST_FILES}" PARENT_SCOPE)
endfunction()
