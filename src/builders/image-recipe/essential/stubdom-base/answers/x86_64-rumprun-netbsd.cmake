# CMake answers for the rumprun target (NetBSD's libc), read by the toolchain file
# (CMAKE_PROJECT_INCLUDE, at the end of every project()): what CMake's Generic platform cannot
# find out itself. NetBSD's libc is a POSIX C library; projects test UNIX before they look for
# POSIX functions at all (json-c looks for isnan, isinf and INFINITY only `if (… OR UNIX)`).
# Generic leaves it unset. Shared libraries stay off: Generic's TARGET_SUPPORTS_SHARED_LIBS is FALSE.
set(UNIX 1)
