# CMake answers for the stubdom newlib target, read by the toolchain file (CMAKE_TOOLCHAIN_FILE
# in the builder image): what CMake's Generic platform cannot find out itself.

# newlib with this POSIX layer is a POSIX C library; projects test UNIX before they look for
# POSIX functions at all (json-c checks for snprintf only `if (UNIX OR …)`). Generic leaves it
# unset. Shared libraries stay off: Generic's TARGET_SUPPORTS_SHARED_LIBS is FALSE.
set(UNIX 1)
