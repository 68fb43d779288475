#!/usr/bin/env bash
# The scale profile's load balancer is Debian's nginx, run by bot/runner.py in the foreground with its
# own prefix (never the system service, which the package would start: policy-rc.d or not, we do not use it).
set -euo pipefail
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
echo "Installing nginx for the scale profile ..."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
