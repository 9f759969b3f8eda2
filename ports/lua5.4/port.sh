# ports/lua5.4/port.sh — Lua 5.4 for stubdom.
# Why a port: debian/rules builds the `linux-readline` platform (LUA_USE_LINUX: dlopen, and
# the interactive interpreter's line editing) and build-depends on libreadline-dev, which is
# Multi-Arch: same, so a cross build asks for libreadline-dev:stubdom-amd64; neither exists
# for a stub domain and no build profile of the package turns them off. This port builds
# Lua's own `posix` platform (LUA_USE_POSIX: no dlopen, no readline) and drops the
# build-dependency, and liblua5.4-dev's dependency on libreadline-dev (revision 2: with it,
# apt could not install liblua5.4-dev).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 5.4.4-3+deb12u1; each edit checks it took.
edit() { # file perl-expression what check-regex
  perl -0pi -e "$2" "$1"
  if ! grep -qE "$4" "$1"; then echo "port lua5.4: $3 did not apply to $1" >&2; exit 1; fi
}
edit debian/control 's/(Build-Depends:[^\n]*), libreadline-dev,/$1,/' "no libreadline-dev" '^Build-Depends: debhelper \(>= 12\), quilt \(>= 0.40\), libtool, autoconf$'
edit debian/rules 's/\$\(MAKE\) linux-readline MYLIBS=/\$(MAKE) posix MYLIBS=/' "posix platform" 'MAKE\) posix MYLIBS='
edit debian/control 's/(\nPackage: liblua5\.4-dev\n(?:[^\n]+\n)*?Depends:[^\n]*?), libreadline-dev,/$1,/' "liblua5.4-dev without libreadline-dev" '^Depends: liblua5\.4-0 \(= \$\{binary:Version\}\), libc6-dev\|libc-dev, \$\{misc:Depends\}$'
