# ports/fmtlib/port.sh — fmtlib for stubdom.
# Why a port: fmt builds its tests whenever it is the top project, nocheck or not, and they
# include googletest, whose gtest-port.h needs std::mutex: newlib's libstdc++ (one thread, no
# gthreads) has none, so the build stopped there. -DFMT_TEST=off builds the library alone,
# which is all a stub domain links (the builder always builds with nocheck).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 9.1.0+ds1-2; the edit checks it took.
perl -0pi -e 's/(\n\t\t-DFMT_DOC=off )/\n\t\t-DFMT_TEST=off \\$1/' debian/rules
grep -q -- '-DFMT_TEST=off' debian/rules || { echo "port fmtlib: the -DFMT_DOC=off configure line was not found in debian/rules" >&2; exit 1; }
