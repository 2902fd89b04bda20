#!/usr/bin/env bash
# Installs what the tests need when it is missing: PostgreSQL (server binaries) and the real
# SIP peers (sipp from sip-tester, baresip-core, kamailio, linphonec from linphone-cli, sipsak,
# sipvicious's svwar/svcrack), curl and systemd-analyze. Debian packages, no recommends.
set -euo pipefail

need=()
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_pg || need+=(postgresql)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
command -v linphonec >/dev/null 2>&1 || need+=(linphone-cli)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
{ command -v sipvicious_svwar >/dev/null 2>&1 || command -v svwar >/dev/null 2>&1; } || need+=(sipvicious)
# curl runs the seed documents' curl examples as printed.
command -v curl >/dev/null 2>&1 || need+=(curl)
# systemd-analyze verifies deploy/pbxws.service.
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "tests/install-deps.sh: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo -n"
  else
    echo "tests/install-deps.sh: missing ${need[*]}; install them as root: apt-get install --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Packaged services must not start on the shared machine's usual ports.
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${need[@]}" </dev/null
