# ports/msgpack-c/port.sh — msgpack-c for stubdom.
# Why a port: bookworm's 4.0.0-3 libmsgpack-dev (the C library) depends on libmsgpack-cxx-dev,
# the C++ headers that moved to their own source (msgpack-cxx), kept so that C++ users of the
# old package still find them. The stub domain's repository has no msgpack-cxx (it needs Boost
# for the target), so apt could not install libmsgpack-dev at all (the corpus run's install
# check). The C library needs nothing of it: the relation goes.
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -0pi -e 's/(\nPackage: libmsgpack-dev\n(?:[^\n]+\n)*?Depends:\n libmsgpackc2 \(= \$\{binary:Version\}\),\n) libmsgpack-cxx-dev,\n/$1/' debian/control
if sed -n '/^Package: libmsgpack-dev$/,/^$/p' debian/control | grep -q 'libmsgpack-cxx-dev'; then
  echo "port msgpack-c: libmsgpack-dev still depends on libmsgpack-cxx-dev" >&2; exit 1
fi
