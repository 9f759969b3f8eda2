# ports/cmark/port.sh — cmark for stubdom.
# Why a port:
# - cmark build-depends on python3 for its spec tests only (test/CMakeLists.txt skips them
#   without it). Unqualified, a cross build asks for python3:stubdom-amd64, which no source
#   builds; the tests are the build machine's business: python3:any <!nocheck> (the builder
#   builds with nocheck).
# - Revision 3: no CMARK_SHARED=OFF any more (revision 2 had it: CMake's Generic platform made
#   the shared target a second writer of libcmark.a, a make -j2 race). The toolchain's
#   project.cmake now gives every such target an archive of its own, for every CMake source.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.30.2-6; every edit checks it took.
perl -0pi -e 's/\n python3,\n/\n python3:any <!nocheck>,\n/' debian/control
grep -q '^ python3:any <!nocheck>,$' debian/control || { echo "port cmark: Build-Depends python3 not found in debian/control" >&2; exit 1; }
