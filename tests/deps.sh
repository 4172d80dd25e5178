#!/bin/sh
# tests/deps.sh build|test - make sure the Debian packages fastflush needs
# are installed. As root, missing packages are installed with apt-get
# (non-interactively; Postfix is preseeded to "No configuration" so that it
# writes no main.cf and starts nothing). Otherwise the exact apt-get command
# is printed and the script fails.
set -eu
mode=${1:-test}
build_pkgs="gcc make pkg-config libbsd-dev libidn2-dev libdb5.3-dev liblmdb-dev libcdb-dev libpcre2-dev"
test_pkgs="bats bats-assert bats-support bats-file postfix postfix-lmdb postfix-cdb postfix-pcre mandoc shellcheck zsh socat python3 strace clang libclang-rt-14-dev systemd jq"
# the burst test under inetd "wait"; xinetd (tests/xinetd.bats) conflicts
# with it, so a host that has xinetd keeps it
if ! dpkg-query -W -f='${Status}' xinetd 2>/dev/null | grep -q ' installed'; then
	test_pkgs="$test_pkgs openbsd-inetd"
fi
case $mode in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|test" >&2; exit 64 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "fastflush: missing Debian packages:$missing" >&2
	echo "fastflush: install them with:" >&2
	echo "  sudo sh -c 'echo \"postfix postfix/main_mailer_type select No configuration\" | debconf-set-selections; DEBIAN_FRONTEND=noninteractive apt-get install -y$missing'" >&2
	exit 1
fi
echo "fastflush: installing:$missing" >&2
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
