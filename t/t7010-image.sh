#!/bin/bash
# t7010-image: the container image, checked without a Docker engine (none runs
# here, and hadolint is not in Debian). What the Dockerfile says: two stages,
# both FROM debian:12-slim, a numeric non-root USER that is the prober Job's
# runAsUser; the build installs debian/control's Build-Depends, which name
# the -dev packages configure.ac asks for, and the image the package the
# build stage made. What it does: the build stage's commands, run in a copy
# of the committed tree, make a package of the three programs that depends
# on every library they load. And the image's Job driver, pbprobe-job, on its
# own: a pod deleted mid-probe (SIGTERM) still leaves a complete log, a
# driver that never says stop is bounded, usage errors are usage errors.
#
# Not checked: that `docker build` succeeds (apt-get inside it, the base
# image's contents), or how the image behaves under a container runtime.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

D=$PB_SRC/Dockerfile
JOB=$PB_SRC/manifests/pbprobe/job.yaml
LOGCAT=$PB_BUILD/t/helpers/logcat
# A checkout of its own, not a tarball unpacked inside another checkout
# (make distcheck): only then does git list the tree's files.
in_checkout=0
[ "$(git -C "$PB_SRC" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$PB_SRC" && pwd -P)" ] && in_checkout=1

# The Dockerfile's instructions, continuation lines joined, one per line.
instructions() {
	sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' "$D" | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$'
}

# stage N: the instructions of stage N (1-based).
stage() {
	instructions | awk -v n="$1" '/^FROM /{ s++ } s == n'
}

test_expect_success 'the Dockerfile is multi-stage, every stage FROM debian:12-slim' '
	instructions | grep "^FROM " >froms &&
	cat froms &&
	test "$(wc -l <froms)" -ge 2 &&
	! grep -v "^FROM debian:12-slim\( AS [a-z]*\)\?$" froms
'

test_expect_success 'the image runs as a numeric non-root user, the Job'"'"'s runAsUser' '
	last=$(instructions | grep -c "^FROM ") &&
	stage "$last" | grep "^USER " | tail -n 1 >user &&
	cat user &&
	uid=$(sed -E "s/^USER ([0-9]+)(:[0-9]+)?$/\1/" user) &&
	[[ $uid =~ ^[0-9]+$ ]] && test "$uid" -gt 0 &&
	grep -q "runAsUser: $uid$" "$JOB" &&
	grep -q "runAsNonRoot: true$" "$JOB" &&
	stage "$last" | grep -q "useradd --uid $uid "
'

test_expect_success 'the final stage copies from the build stage, and nothing builds there' '
	last=$(instructions | grep -c "^FROM ") &&
	stage "$last" | grep -q "^COPY --from=build " &&
	! stage "$last" | grep -E -q "(gcc|make|-dev)( |$)"
'

test_expect_success 'the build stage installs debian/control'"'"'s Build-Depends, which name every -dev package configure.ac asks for' '
	stage 1 | grep -qE "apt-get build-dep [^&]*\./( |$)" &&
	sed -n "s/^PB_NEED(\[[A-Z]*\], *\[[^]]*\], *\[\([^]]*\)\]).*/\1/p" "$PB_SRC/configure.ac" >needed &&
	test -s needed && cat needed &&
	sed -n "/^Build-Depends:/,/^[A-Z]/p" "$PB_SRC/debian/control" >build-depends &&
	while read -r pkg; do grep -q "[ ,]$pkg\b" build-depends || { echo "missing $pkg"; return 1; }; done <needed
'

test_expect_success 'the image installs the package the build stage made, which brings its libraries' '
	last=$(instructions | grep -c "^FROM ") &&
	stage 1 | grep -q "dpkg-buildpackage" &&
	stage "$last" | grep -q "^COPY --from=build /out/ /tmp/deb/$" &&
	stage "$last" | grep -q "apt-get install .*/tmp/deb/pbprobe_\*\.deb" &&
	grep -q "^Depends:.*\${shlibs:Depends}" "$PB_SRC/debian/control"
'

test_expect_success '.dockerignore keeps builds, logs, .git and node_modules out, and no source' '
	I=$PB_SRC/.dockerignore &&
	for p in .git "**/node_modules" build "build-*" logs; do grep -qxF "$p" "$I" || { echo "missing $p"; return 1; }; done &&
	grep -v -e "^#" -e "^$" "$I" >patterns &&
	if [ "$in_checkout" = 1 ]; then git -C "$PB_SRC" ls-files; else (cd "$PB_SRC" && find . -type f | sed "s|^\./||"); fi >files &&
	test -s files &&
	while read -r f; do
		case $f in configure.ac | Makefile.am | */local.mk | lib/* | probe/* | report/* | manifests/pbprobe/*) ;; *) continue ;; esac
		while read -r p; do
			# Docker: relative to the root; **/ at any depth
			case $p in "**/"*) g="*${p#\*\*/}" ;; *) g=$p ;; esac
			# shellcheck disable=SC2053 # a glob on purpose
			if [[ $f == $g || $f == $g/* ]]; then echo "$f is excluded by $p"; return 1; fi
		done <patterns
	done <files
'

# The build stage's RUN lines but apt-get's (the packages are this machine's,
# installed by .ci/deps.sh) in a copy of the committed tree: they make a
# package holding the three programs, whose Depends name the package of
# every library the programs load.
if [ "$in_checkout" = 1 ] && command -v dpkg-buildpackage >/dev/null 2>&1 &&
	command -v readelf >/dev/null 2>&1; then
	test_expect_success 'the build stage'"'"'s commands, in a copy of the committed tree, make the package' '
		mkdir ctx out &&
		(cd "$PB_SRC" && git ls-files -z | xargs -0 cp --parents -t "$TEST_DIR/ctx") &&
		stage 1 | sed -n "s/^RUN //p" | grep -v "apt-get" >build.sh &&
		test -s build.sh && cat build.sh &&
		sed -i "s|/out/|$TEST_DIR/out/|g" build.sh &&
		(cd ctx && PB_REVISION=0123456789ab sh -e "$TEST_DIR/build.sh") >build.log 2>&1 || { tail -n 30 build.log; return 1; }
		deb=$(echo out/pbprobe_*_*.deb) && test -s "$deb" &&
		dpkg-deb -x "$deb" root &&
		for p in pbprobe pbprobe-report pbprobe-job; do test -x "root/usr/bin/$p" || return 1; done &&
		root/usr/bin/pbprobe --version | tee version &&
		head -n 1 version | grep -q "(revision 0123456789ab)$" &&
		root/usr/bin/pbprobe-report --version &&
		dpkg-deb -f "$deb" Depends | tee depends &&
		for prog in pbprobe pbprobe-report; do
			readelf -d "root/usr/bin/$prog" | sed -n "s/.*Shared library: \[\(.*\)\]/\1/p" || return 1
		done | sort -u >libs &&
		test -s libs &&
		while read -r lib; do
			pkg=$(dpkg -S "*/$lib" 2>/dev/null | grep -v -e i386 -e lib32 | head -n 1 | sed "s/:.*//") &&
			test -n "$pkg" || { echo "no package for $lib"; return 1; }
			grep -q "\b$pkg\b" depends || { echo "$lib: $pkg is not in Depends"; return 1; }
		done <libs
	'
else
	test_skip 'the build stage'"'"'s commands, in a copy of the committed tree, make the package' \
		'needs git, a checkout, dpkg-buildpackage and readelf'
fi

# --- pbprobe-job, the Job's driver --------------------------------------------

JOBSH=$PB_SRC/manifests/pbprobe/pbprobe-job.sh
mkdir -p "$TEST_DIR/bin" && cp "$JOBSH" "$TEST_DIR/bin/pbprobe-job" && chmod +x "$TEST_DIR/bin/pbprobe-job"
PATH=$TEST_DIR/bin:$PATH
NG_PORT=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$NG_PORT" || {
	echo "Bail out! nginx did not start"
	exit 1
}
URL=http://127.0.0.1:$NG_PORT

# pod NAME: the environment of one pod, in $TEST_DIR/NAME.
pod() {
	export PBPROBE_JOB_STATE=$TEST_DIR/$1/state PBPROBE_LOG_DIR=$TEST_DIR/$1/logs PBPROBE_RUN=$1 JOB_COMPLETION_INDEX=0
}

test_expect_success 'pbprobe-job: a pod deleted while probing (SIGTERM) leaves a complete log, exits 0; the run is inconclusive' '
	pod killed &&
	test_bg pbprobe-job run --rate=100 --lead=200ms --tail=200ms home="$URL/" &&
	pid=$TEST_BG_PID &&
	test_wait_for 10 pbprobe-job ready &&
	pbprobe-job mark "before the kill" &&
	sleep 0.3 &&
	kill -TERM "$pid" &&
	test_wait_for 10 test -s "$PBPROBE_JOB_STATE/status" &&
	test "$(pbprobe-job wait)" = 0 &&
	pbprobe-job cat >log &&
	"$LOGCAT" -f end:time,reason log | grep -q "^[0-9]*	" &&
	"$LOGCAT" -f mark:name log | grep -qx "before the kill" &&
	test_expect_code 4 pbprobe-report log >report.txt &&
	head -n 1 report.txt | grep "^INCONCLUSIVE  log: the prober was stopped by a signal" &&
	kill -TERM "$pid" && test_wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
'

test_expect_success 'pbprobe-job: stdout is the log, byte for byte' '
	pod streamed &&
	{ pbprobe-job run --rate=200 --lead=200ms --tail=200ms home="$URL/" >stdout 2>stderr & } &&
	pid=$! &&
	test_wait_for 10 pbprobe-job ready &&
	pbprobe-job stop &&
	test "$(pbprobe-job wait)" = 0 &&
	pbprobe-job collected &&
	wait "$pid" &&
	cmp stdout "$PBPROBE_LOG_DIR/streamed-0.log" &&
	test ! -s stderr
'

test_expect_success 'pbprobe-job: a marker given with its time keeps it' '
	pod timed &&
	test_bg pbprobe-job run --rate=50 --lead=200ms --tail=200ms home="$URL/" &&
	test_wait_for 10 pbprobe-job ready &&
	t=$(($(date +%s) * 1000000 - 3000000)) &&
	pbprobe-job mark "@$t three seconds ago" &&
	pbprobe-job stop && pbprobe-job wait && pbprobe-job collected &&
	"$LOGCAT" -f mark:time,name "$PBPROBE_LOG_DIR/timed-0.log" |
		awk -F"\t" -v t="$t" "\$1 == t && \$2 == \"three seconds ago\" { ok = 1 } END { exit !ok }"
'

test_expect_success 'pbprobe-job: a driver that never says stop is bounded by PBPROBE_JOB_MAX' '
	pod forgotten &&
	PBPROBE_JOB_MAX=1s PBPROBE_JOB_LINGER=1s timeout 20 pbprobe-job run --rate=50 --lead=100ms --tail=100ms home="$URL/" >/dev/null &&
	grep -q "PBPROBE_JOB_MAX (1s) reached without a stop" "$PBPROBE_LOG_DIR/forgotten-0.log"
'

test_expect_success 'pbprobe-job: usage errors exit 2; commands before probing fail with a reason' '
	pod idle &&
	{ pbprobe-job; test $? = 2; } &&
	{ pbprobe-job run; test $? = 2; } &&
	{ pbprobe-job mark; test $? = 2; } &&
	! pbprobe-job ready &&
	{ pbprobe-job stop 2>err; test $? = 1; } && grep -q "not probing yet" err
'

test_done
