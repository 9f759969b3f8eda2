# ports/libzstd/port.sh — libzstd (Zstandard) for stubdom.
# Why a port: besides the library, debian/rules builds contrib/pzstd, a multithreaded C++
# program (std::mutex, std::thread) that the single-threaded stubdom libstdc++ cannot offer,
# and runs it through help2man for its manual page (no target program runs on the build
# machine). No build profile of the package turns either off. This port drops the zstd
# program package with pzstd's build, install and manual page; libzstd-dev (libzstd.a, the
# headers, libzstd.pc) is what a stub domain links. (The generic policy drops libzstd1.)
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.5.4+dfsg2-5; each edit checks it took.
gone() { # file perl-expression what regex-that-must-no-longer-match
  perl -0pi -e "$2" "$1"
  if grep -qE "$4" "$1"; then echo "port libzstd: $3 did not apply to $1" >&2; exit 1; fi
}

# 1. debian/control: no zstd (program) package
gone debian/control 's/\nPackage: zstd\n.*?\n\n/\n/s' "dropping the zstd package" '^Package: zstd$'

# 2. debian/rules: no pzstd build, install or manual page (help2man would run it)
gone debian/rules 's/\nexecute_after_dh_auto_build:\n\tdh_auto_build -D contrib\/pzstd\n//' \
  "dropping the pzstd build" 'dh_auto_build -D contrib/pzstd'
gone debian/rules 's/\n\tdh_auto_install -D contrib\/pzstd\n/\n/' \
  "dropping the pzstd install" 'dh_auto_install -D contrib/pzstd'
gone debian/rules 's/\nexecute_after_dh_installman:\n(\t[^\n]*\n)+//' \
  "dropping the zstd and pzstd manual pages" 'HELP2MAN\)|mandir\)/zstd\.1'

# 3. debian/not-installed: upstream's `make install` still installs the zstd programs and their
# manual pages into debian/tmp, which no package takes now (dh_missing fails on them otherwise)
printf '%s\n' 'usr/bin/*' 'usr/share/man/man1/*' >>debian/not-installed
grep -qxF 'usr/bin/*' debian/not-installed || { echo "port libzstd: debian/not-installed was not written" >&2; exit 1; }
