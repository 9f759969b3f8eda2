#!/bin/sh
# setup-apt.sh SUITE MIRROR SECURITY_MIRROR
# Debian's sources for the native architecture only, with deb-src (apt-get source works in
# the image), and apt defaults for unattended builds.
set -eu
suite=$1 mirror=$2 security=$3
native=$(dpkg --print-architecture)
rm -f /etc/apt/sources.list.d/debian.sources
cat > /etc/apt/sources.list <<LIST
deb [arch=$native] $mirror $suite main
deb [arch=$native] $mirror $suite-updates main
deb [arch=$native] $security $suite-security main
deb-src $mirror $suite main
deb-src $mirror $suite-updates main
deb-src $security $suite-security main
LIST
cat > /etc/apt/apt.conf.d/90stubbuild <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
Acquire::Languages "none";
CONF
