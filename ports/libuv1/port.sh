# ports/libuv1/port.sh — libuv1 for stubdom-rumprun-amd64.
# Why a port: libuv picks its platform sources by CMAKE_SYSTEM_NAME, and the image's CMake
# toolchain file names a Generic system (CMake has no platform for a static-only unikernel).
# As Generic, libuv built only its portable Unix core: libuv.a lacked uv_exepath,
# uv_resident_set_memory and the rest of src/unix/netbsd.c, and its test programs did not
# link. rumprun's C library is NetBSD's (with libkvm), so the project says NetBSD right after
# project(), when CMake's own platform files are already read (they stay Generic: static only).
# Generic has no shared libraries, so CMake builds the `uv` library (SHARED in CMakeLists.txt)
# as libuv.a, beside uv_a's libuv_a.a: libuv1-dev ships it, since libuv.pc names -luv.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.44.2-1+deb12u1; every edit checks it took.
perl -0pi -e 's/^(project\(libuv LANGUAGES C\)\n)/$1# stubdom (rumprun): the C library is NetBSD'"'"'s (stubbuild port)\nset(CMAKE_SYSTEM_NAME NetBSD)\n/m' CMakeLists.txt
grep -q '^set(CMAKE_SYSTEM_NAME NetBSD)$' CMakeLists.txt || { echo "port libuv1: project(libuv LANGUAGES C) was not found in CMakeLists.txt" >&2; exit 1; }
grep -q '^usr/lib/\*/libuv_a\.a ' debian/libuv1-dev.install || { echo "port libuv1: libuv_a.a is not in debian/libuv1-dev.install" >&2; exit 1; }
printf 'usr/lib/*/libuv.a usr/lib/${DEB_HOST_MULTIARCH}/\n' >> debian/libuv1-dev.install
