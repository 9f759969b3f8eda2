# ports/libmspack/port.sh — libmspack for stubdom: the library, without upstream's example and
# test programs.
# Why a port: `make all` links the examples and test programs (noinst_PROGRAMS), which no
# package ships, and examples/chmextract calls umask(), which newlib (Mini-OS) has not: the
# build stopped there. They become EXTRA_PROGRAMS, which automake builds only when asked (dh
# runs autoreconf). Every flavor, so one version holds one set of packages.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.11-1; every edit checks it took.
perl -pi -e 's/^noinst_PROGRAMS =(\s)/EXTRA_PROGRAMS =  $1/' Makefile.am
grep -q '^EXTRA_PROGRAMS = ' Makefile.am && ! grep -q '^noinst_PROGRAMS' Makefile.am || { echo "port libmspack: noinst_PROGRAMS not found in Makefile.am" >&2; exit 1; }
