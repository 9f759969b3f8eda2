# ports/sqlite3/port.sh — SQLite for stubdom (rumprun): the library alone.
# Why a port: bookworm's packaging builds the Tcl extension and the shell with readline, so it
# build-depends on tcl8.6-dev and libreadline-dev for the host (dep-wait on a stubdom
# architecture), and builds programs (sqlite3, lemon, the analyzer tools) and a csv.so
# extension that no stub domain runs. The port keeps libsqlite3-dev (the static-only policy
# drops libsqlite3-0): tclsh stays as the native tool that generates sqlite3.h (tcl8.6 is
# Multi-Arch: foreign), the Tcl extension and readline are configured off, and with no dynamic
# loader in a stub domain load_extension() is left out (SQLITE_OMIT_LOAD_EXTENSION, no -ldl).
# rumprun only (flavors): SQLite's unix VFS wants POSIX file locking, <sys/ioctl.h> and mmap,
# which NetBSD's libc has and newlib's Mini-OS does not.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 3.40.1-2+deb12u2 (debian/rules is not dh: its targets are edited); every edit checks it took.
fail() { echo "port sqlite3: $*" >&2; exit 1; }

perl -pi -e 's/^(Build-Depends: .*), libreadline-dev, tcl8\.6-dev$/$1, tcl8.6/' debian/control
grep -q '^Build-Depends: .*, tcl8\.6$' debian/control || fail "the Build-Depends line was not found"
for package in lemon sqlite3 libsqlite3-tcl sqlite3-tools; do
  perl -0pi -e "s/\\nPackage: \\Q$package\\E\\n.*?(\\n\\n|\\n?\\z)/\\n/s" debian/control
  ! grep -q "^Package: $package\$" debian/control || fail "package $package is still in debian/control"
done

# configure: no Tcl, no readline, no load_extension()
perl -pi -e 's/ --with-tcl=\/usr\/lib\/\$\(DEB_HOST_MULTIARCH\)\/tcl8\.6$/ --disable-tcl --disable-readline/' debian/rules
[ "$(grep -c -- ' --disable-tcl --disable-readline$' debian/rules)" = 2 ] || fail "the two --with-tcl options were not found"
perl -pi -e 's/^\t  --enable-load-extension \\$/\t  --disable-load-extension \\/; s/^\t-DSQLITE_ENABLE_LOAD_EXTENSION \\$/\t-DSQLITE_OMIT_LOAD_EXTENSION \\/' debian/rules
grep -q -- '--disable-load-extension' debian/rules && grep -q -- '-DSQLITE_OMIT_LOAD_EXTENSION' debian/rules \
  || fail "the load-extension options were not found"

# build: the library, its header and its .pc file; no programs, no csv.so
perl -0pi -e 's/(build-stamp: configure\n\tdh_testdir\n)\t\$\(MAKE\)\n.*?\n(\ttouch \$\@\n)/$1\t\$(MAKE) libsqlite3.la sqlite3.h sqlite3.pc\n$2/s' debian/rules
grep -q '^	$(MAKE) libsqlite3.la sqlite3.h sqlite3.pc$' debian/rules || fail "the build-stamp target was not found"
! grep -q 'csv\.so -o\|sqlite3_analyzer$' debian/rules || fail "the build-stamp target still builds programs"

# install: what libsqlite3-dev ships
perl -0pi -e 's/(install: build\n\tdh_testdir\n\tdh_testroot\n\n)\t\$\(MAKE\) install DESTDIR=\$\(DESTDIR\)\n.*?\n(binary-indep:)/$1\t\$(MAKE) lib_install DESTDIR=\$(DESTDIR)\n\tinstall -d \$(DESTDIR)\/usr\/include \$(DESTDIR)\/usr\/lib\/\$(DEB_HOST_MULTIARCH)\/pkgconfig\n\tinstall -m 0644 sqlite3.h src\/sqlite3ext.h \$(DESTDIR)\/usr\/include\/\n\tinstall -m 0644 sqlite3.pc \$(DESTDIR)\/usr\/lib\/\$(DEB_HOST_MULTIARCH)\/pkgconfig\/\n\trm \$(DESTDIR)\/usr\/lib\/\$(DEB_HOST_MULTIARCH)\/libsqlite3.la\n\n$2/s' debian/rules
grep -q '^	$(MAKE) lib_install DESTDIR=$(DESTDIR)$' debian/rules || fail "the install target was not found"
! grep -q 'chrpath\|tclsh8\.6' debian/rules || fail "the install target still installs programs or the Tcl extension"
