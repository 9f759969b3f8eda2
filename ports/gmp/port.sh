# ports/gmp/port.sh — GMP for stubdom (Xen's stub-domain set: the vTPM manager's big numbers).
# Why a port: debian/rules is not a dh sequence and installs the libraries by hand,
# `dh_install -plibgmp-dev usr/lib/*/lib*.so`, a pattern that matches nothing on a static-only
# target; the generic policy (ports/README.md) drops .so entries of .install files and the
# runtime packages libgmp10/libgmpxx4ldbl, but cannot edit a command line in debian/rules.
# C++ (--enable-cxx) needs nothing here: the toolchain has x86_64-xen-elf-g++.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2:6.2.1+dfsg1-1.1; the edit checks it took.
perl -0pi -e 's/\n\tdh_install -plibgmp-dev usr\/lib\/\*\/lib\*\.so\n/\n\t# stubdom: static only, no lib*.so to install (stubbuild port)\n/' debian/rules
grep -q 'stubdom: static only, no lib\*.so' debian/rules || { echo "port gmp: the lib*.so dh_install line was not found in debian/rules" >&2; exit 1; }
