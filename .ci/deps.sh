#!/bin/bash
# .ci/deps.sh: the one list of Debian 12 packages that the build, the test
# suite, the fuzzer, the lab and the demo need, and their installation.
# Used by test.sh, .ci/run and demo.sh. Does nothing (no apt-get update)
# when every package is already installed, so repeated runs are fast.
#
#   .ci/deps.sh            install what is missing (needs root)
#   .ci/deps.sh --check    exit 1, listing what is missing, without installing
#   .ci/deps.sh --print    print the list
#   . .ci/deps.sh          define PB_DEPS, deps_missing and deps_install
#                          (what .ci/deps.sh runs), do nothing else
set -u

PB_DEPS=(
	# build
	build-essential autoconf automake pkg-config
	libevent-dev libcurl4-openssl-dev libpq-dev libjansson-dev
	# tests: unit tests, sanitizers and libFuzzer (clang; its runtimes are
	# only recommended, and we install without recommends), real servers
	libcmocka-dev clang libclang-rt-dev clang-format
	nginx-light haproxy postgresql
	curl socat jq shellcheck uuid-runtime procps iproute2 faketime strace
	# report plots and its JUnit check, benchmarks
	gnuplot-nox libxml2-utils wrk apache2-utils hey gawk time git
	# the HTML report in a real browser (WebDriver), the OpenMetrics
	# output against a strict parser, the status line in a terminal
	chromium chromium-driver python3-prometheus-client tmux
	# completions in real shells; the Debian package, its checks, a clean
	# root to install it in, its autopkgtest (.ci/package)
	zsh bash-completion debhelper lintian debootstrap autopkgtest
)
# Offline Kubernetes checks (manifests/validate, t/t7*): Debian's kubectl
# and Node.js, unless the machine already has its own (a newer kubectl or a
# NodeSource Node, which Debian's packages would conflict with).
command -v kubectl >/dev/null 2>&1 || PB_DEPS+=(kubernetes-client)
command -v node >/dev/null 2>&1 || PB_DEPS+=(nodejs)
command -v npm >/dev/null 2>&1 || PB_DEPS+=(npm)

# Prints the packages of PB_DEPS that are not installed, one per line.
deps_missing() {
	local pkg status
	for pkg in "${PB_DEPS[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) || status=
		[ "$status" = installed ] || printf '%s\n' "$pkg"
	done
}

pb_deps_main() {
	local missing
	case ${1:-} in
	--print)
		printf '%s\n' "${PB_DEPS[@]}"
		return 0
		;;
	--check | '') ;;
	*)
		echo "usage: .ci/deps.sh [--check | --print]" >&2
		return 2
		;;
	esac
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo ".ci/deps.sh: not a Debian system (no dpkg-query); install by hand: ${PB_DEPS[*]}" >&2
		return 1
	fi
	mapfile -t missing < <(deps_missing)
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "deps: all ${#PB_DEPS[@]} packages installed"
		return 0
	fi
	if [ "${1:-}" = --check ]; then
		echo "deps: missing: ${missing[*]}" >&2
		return 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${missing[*]}; as root: apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get update -qq ||
		! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		echo "deps: apt-get install failed" >&2
		return 1
	fi
	mapfile -t missing < <(deps_missing)
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "deps: still missing after apt-get: ${missing[*]}" >&2
		return 1
	fi
	echo "deps: installed"
}

# Installs what is missing; 0 when everything is there afterwards.
deps_install() {
	pb_deps_main
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	pb_deps_main "$@"
	exit
fi
