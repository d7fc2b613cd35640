#!/bin/bash
# Writes the root filesystem of every Debian stand-in image: Debian 12 (bookworm), variant minbase
# (essential packages and apt), as a tarball for `podman import`. Usage: build-rootfs.sh <out.tar>
#
# The stand-ins install their own packages on top with apt-get in a RUN step (images/*/Containerfile),
# which was measured faster than one mmdebstrap --include= per image, and keeps this layer shared.
set -euo pipefail
out=${1:?usage: build-rootfs.sh <rootfs.tar>}

# What Debian's -slim images leave out, kept out of every later apt-get install as well (these
# options stay in /etc/dpkg/dpkg.cfg.d/): documentation, manuals, translations. Copyrights stay.
# locale.alias stays because localedef -A reads it (the postgres stand-in builds en_US.UTF-8).
slim=(
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
)

# The point releases and security updates, not just the release of June 2023: the image then gets
# the packages a `apt-get upgrade`d bookworm machine has.
mmdebstrap --variant=minbase --quiet "${slim[@]}" \
  --aptopt='APT::Install-Recommends "false"' \
  --aptopt='Acquire::Languages "none"' \
  bookworm "$out" \
  'deb http://deb.debian.org/debian bookworm main' \
  'deb http://deb.debian.org/debian bookworm-updates main' \
  'deb http://deb.debian.org/debian-security bookworm-security main'
