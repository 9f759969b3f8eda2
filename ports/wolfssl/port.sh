# ports/wolfssl/port.sh — wolfssl for stubdom.
# Why a port: bookworm's 5.5.4-2 build-depends on libpcap0.8-dev, which only the sniffer test
# reads (configure looks for <pcap/pcap.h> when the sniffer is enabled). A cross build asks
# for libpcap0.8-dev:stubdom-amd64, which no source of the repository builds: the test is the
# build machine's business, so the relation gets <!nocheck> (the builder builds with nocheck).
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -0pi -e 's/\n libpcap0\.8-dev,\n/\n libpcap0.8-dev <!nocheck>,\n/' debian/control
grep -q '^ libpcap0.8-dev <!nocheck>,$' debian/control || { echo "port wolfssl: Build-Depends libpcap0.8-dev not found in debian/control" >&2; exit 1; }
