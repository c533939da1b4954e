#!/bin/bash
# test.sh: the test command. On a fresh Debian 12, as root, it installs what
# the build and the suite need (.ci/deps.sh), builds, and runs the whole
# suite (t/run-all) against real servers on loopback.
#
#   ./test.sh           gcc, warnings as errors, in build/
#   ./test.sh --asan    clang with AddressSanitizer and UBSan (halting on the
#                       first error), in build-asan/
#   ./test.sh [--asan] t/t1*.sh ...   only these scripts or unit tests
#
# The last line is always "N passed, N failed" (a build failure counts as
# one failure); the exit status is 0 only when nothing failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 1

mode=gcc
subset=()
for arg in "$@"; do
	case $arg in
	--asan) mode=asan ;;
	-h | --help)
		sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "test.sh: unknown option $arg (try --help)" >&2
		exit 2
		;;
	*) subset+=("$arg") ;;
	esac
done

# Ends with the summary line a failed step owes its caller.
fail() {
	echo "test.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

./.ci/deps.sh || fail "missing packages (run as root to install them)"

case $mode in
gcc)
	build='build'
	conf=(CC=gcc --enable-werror)
	;;
asan)
	build='build-asan'
	san='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'
	conf=(CC=clang "CFLAGS=$san -g -O1" "LDFLAGS=$san" --enable-werror)
	# a report must end the program with a signal, so no test can mistake
	# it for an ordinary failure; leaks are errors too
	# A quarantine of 32 MiB, not 256: ASan frees a tenth of it in one go
	# when it is full, and 25 MiB at once held the prober's loop for 50-80
	# ms (perf: QuarantineCallback::Recycle), 28 s into every lab run: lab
	# tests hold the prober to 100 ms, and a sanitizer's pause is not the
	# prober's. A freed block still stays poisoned for thousands of frees.
	export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:quarantine_size_mb=32
	export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
	;;
esac

if [ ! -x configure ]; then
	echo "test.sh: autoreconf"
	autoreconf -fi >/dev/null 2>&1 || fail "autoreconf failed (run autoreconf -fi to see why)"
fi

mkdir -p "$build"
cd "$build" || fail "cannot enter $build"
# Configure again only when the options differ: repeated runs stay fast.
want=$(printf '%s\n' "${conf[@]}")
if [ ! -f Makefile ] || [ "$(cat .test.sh-configure 2>/dev/null)" != "$want" ]; then
	echo "test.sh: configure in $build/ (${conf[*]})"
	rm -f .test.sh-configure
	# objects built with other flags would survive a mere reconfigure
	[ ! -f Makefile ] || make clean >/dev/null 2>&1 || true
	../configure "${conf[@]}" >configure.out 2>&1 || {
		tail -n 20 configure.out >&2
		fail "configure failed: $build/configure.out"
	}
	printf '%s\n' "$want" >.test.sh-configure
fi
echo "test.sh: make in $build/"
if ! make -j2 check-build >make.out 2>&1; then
	grep -E -B2 -A8 'error|Error' make.out | tail -n 60 >&2
	fail "build failed: $build/make.out"
fi
cd "$here" || exit 1

PB_BUILD=$here/$build PB_SRC=$here exec t/run-all "${subset[@]}"
