# ports/lwip/port.sh — lwIP for stubdom (Xen's stub-domain set: Mini-OS's network stack).
# Why a port: Debian's own CMake build (debian/patches/cmake) installs the library with
# `install(TARGETS lwip LIBRARY DESTINATION …)` only, and liblwip-dev ships only liblwip.so;
# on a static-only target CMake builds liblwip.a, which needs an ARCHIVE destination. (The
# generic policy drops liblwip0 and makes liblwip-dev ship lib*.a instead of lib*.so.)
# Runs in the unpacked, patched source tree as the build user (bash -e); stubbuild-build
# commits the change to lib/CMakeLists.txt as a quilt patch. Written against bookworm's
# 2.1.3+dfsg1-2; each edit checks it took.
perl -0pi -e 's/install\(TARGETS lwip LIBRARY DESTINATION \$\{CMAKE_INSTALL_LIBDIR\}\)/install(TARGETS lwip LIBRARY DESTINATION \${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION \${CMAKE_INSTALL_LIBDIR})/' lib/CMakeLists.txt
grep -qF 'ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}' lib/CMakeLists.txt || { echo "port lwip: the install(TARGETS lwip …) rule was not found in lib/CMakeLists.txt" >&2; exit 1; }
