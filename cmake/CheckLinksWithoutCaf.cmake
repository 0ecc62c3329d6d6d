# Fails when the program BINARY links CAF or OpenSSL (as `ldd` shows it):
# the clients (actorserve-client, the socket and pipe libraries) are for
# programs that only call a service.
# Run: cmake -DBINARY=<program> -P cmake/CheckLinksWithoutCaf.cmake
execute_process(COMMAND ldd ${BINARY} OUTPUT_VARIABLE libraries RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ldd ${BINARY} failed (${rc})")
endif()
if(libraries MATCHES "libcaf|libssl|libcrypto")
  message(FATAL_ERROR "${BINARY} links CAF or OpenSSL:\n${libraries}")
endif()
message(STATUS "${BINARY} links neither CAF nor OpenSSL:\n${libraries}")
