# ports/tinyxml2/port.sh — tinyxml2 for stubdom.
# Why a port: tinyxml2.cpp takes fseeko64/ftello64 on every x86_64 Unix, and newlib (Mini-OS)
# and NetBSD (rumprun) have no *64 family: their off_t is 64 bits already, so fseeko and ftello
# are the large-file functions, as on FreeBSD. A script, not a patch: the file has CRLF line
# endings, which patch and dpkg-source's quilt handle badly.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 9.0.0+dfsg-3.1; the edit checks it took.
perl -pi -e 's/^(#elif defined\(__APPLE__\) \|\| defined\(__FreeBSD__\) \|\| defined\(__ANDROID__\))(\r?)$/$1 || defined(__NEWLIB__) || defined(__NetBSD__)$2/' tinyxml2.cpp
grep -q 'defined(__ANDROID__) || defined(__NEWLIB__) || defined(__NetBSD__)' tinyxml2.cpp || { echo "port tinyxml2: the fseeko branch was not found in tinyxml2.cpp" >&2; exit 1; }
