# ports/duktape/port.sh — duktape for stubdom.
# Why a port: duktape's Makefile.sharedlibrary builds libduktape.so and nothing else, so the
# static-only policy left duktape-dev with the headers, the amalgamated duktape.c and a
# duktape.pc naming -lduktape, but no library to link. The port compiles duktape.c once more
# into libduktape.a (the flags the shared build uses, without -fPIC), installs it with
# duktape-dev, and adds -lm to the .pc file's Libs.private (duktape calls libm).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.7.0-2; every edit checks it took.
perl -0pi -e 's/(\n\tdh_auto_build --buildsystem=makefile -- -f Makefile.sharedlibrary install\n)/$1\t# stubdom: a static archive as well (stubbuild port)\n\tT=\$\$(dpkg-architecture -qDEB_HOST_GNU_TYPE) && \$\$T-gcc \$(CPPFLAGS) \$(CFLAGS) -Os -c src\/duktape.c -o tmp-build\/duktape.o && \$\$T-ar rcs tmp-build\/lib\/libduktape.a tmp-build\/duktape.o\n/' debian/rules
grep -q 'stubdom: a static archive as well' debian/rules || { echo "port duktape: the Makefile.sharedlibrary build was not found in debian/rules" >&2; exit 1; }
printf 'tmp-build/lib/libduktape.a usr/lib/${DEB_HOST_MULTIARCH}/\n' >> debian/duktape-dev.install
perl -pi -e 's/^(Libs: -L\$\{libdir\} -lduktape)$/$1\nLibs.private: -lm/' debian/duktape.pc.in
grep -q '^Libs.private: -lm$' debian/duktape.pc.in || { echo "port duktape: the Libs line was not found in debian/duktape.pc.in" >&2; exit 1; }
