# ports/cmark/port.sh — cmark for stubdom.
# Why a port:
# - cmark build-depends on python3 for its spec tests only (test/CMakeLists.txt skips them
#   without it). Unqualified, a cross build asks for python3:stubdom-amd64, which no source
#   builds; the tests are the build machine's business: python3:any <!nocheck> (the builder
#   builds with nocheck).
# - Revision 2: CMARK_SHARED off. CMake's Generic platform (the stubdom toolchain file) makes
#   the shared library target a static one, so two targets wrote src/libcmark.a; under make -j2
#   one removed it while the cmark program linked it ("cannot find libcmark.a", a full
#   rumprun run in session 24). The static library target alone builds it.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.30.2-6; every edit checks it took.
perl -0pi -e 's/\n python3,\n/\n python3:any <!nocheck>,\n/' debian/control
grep -q '^ python3:any <!nocheck>,$' debian/control || { echo "port cmark: Build-Depends python3 not found in debian/control" >&2; exit 1; }
grep -q '^override_dh_auto_configure:' debian/rules && { echo "port cmark: debian/rules already overrides dh_auto_configure" >&2; exit 1; }
printf '\noverride_dh_auto_configure:\n\tdh_auto_configure -- -DCMARK_SHARED=OFF\n' >> debian/rules
grep -q -- '-DCMARK_SHARED=OFF$' debian/rules || { echo "port cmark: debian/rules was not written" >&2; exit 1; }
