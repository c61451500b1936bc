#!/bin/sh
# install-shlib.sh SRC DEST: installs rfm.so (make install) under a
# temporary name and renames it over DEST.  PGXS's `install` writes into an
# existing DEST in place, and a backend that has the old rfm.so loaded then
# runs code that changed under it: it may crash, and the postmaster then
# restarts every session of the cluster.  A rename leaves those backends
# the old file (as dpkg does); new backends load the new one.
set -eu
src=$1
dest=$2
tmp=$(dirname "$dest")/.$(basename "$dest").new.$$
trap 'rm -f "$tmp"' EXIT
install -c -m 755 "$src" "$tmp"
mv -f "$tmp" "$dest"
