#!/bin/bash
# The prober's event loop against a real nginx: sockets it keeps watching
# between requests, the sockets a wrapped command must not inherit, and ticks
# sent in batches (--batch-window), never before their time.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(svc_free_port)
test_expect_success 'setup: a private nginx that closes idle connections after 200ms' '
	svc_nginx_start "$TEST_DIR/ng" "$port" "keepalive_timeout 200ms;"
'
base=http://127.0.0.1:$port

# Between requests the prober goes on watching a kept-alive connection for
# reading; when nginx closes it, the loop must stop watching it, or epoll
# reports it readable on every turn and the prober spins.
test_expect_success 'connections the server closes while idle: every request answered, on a new connection, and no spin' '
	# (LeakSanitizer cannot run under ptrace: the ASan suite leaves it out here)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -c -e trace=epoll_wait -o counts "$PB" -q --rate 4 --duration 3s -o idle.log home=$base/ &&
	"$LOGCAT" -f req:outcome idle.log | sort | uniq -c >outcomes &&
	echo "     12 200" >expect && test_cmp expect outcomes &&
	# nginx numbers its connections: each request came on a new one
	test "$(cut -f9 "$TEST_DIR/ng/access.log" | sort -u | wc -l)" -eq 12 &&
	# a wakeup per tick, answer, closed connection and 100ms watchdog turn:
	# about 70; a spin makes hundreds of thousands
	calls=$(awk "\$NF == \"epoll_wait\" { print \$4 }" counts) &&
	echo "epoll_wait calls: $calls" &&
	test "$calls" -lt 2000
'

# The command gets the descriptors pbprobe was given (here 9, as make passes
# its jobserver) and none that pbprobe or libcurl opened: libcurl opens its
# connections through the prober (close-on-exec), and its wakeup socket pair
# is made close-on-exec before the spawn.
test_expect_success 'the wrapped command inherits what pbprobe was given, and nothing the prober opened' '
	# (no pipe: while dash sets one up it holds its ends, and ls may see them)
	list="ls /proc/\$\$/fd >\$0.raw; sort -n \$0.raw >\$0; cat /proc/net/tcp >tcp" &&
	sh -c "$list" direct.fds 9<"$TEST_DIR/ng/nginx.conf" &&
	"$PB" -q --rate 50 --lead 500ms --tail 0s -o cmd.log home=$base/ -- \
		sh -c "$list; for f in /proc/\$\$/fd/*; do readlink \$f; done >fds" wrapped.fds \
		9<"$TEST_DIR/ng/nginx.conf" &&
	grep -qx 9 wrapped.fds &&
	test_cmp direct.fds wrapped.fds &&
	sed -n "s/^socket:\[\([0-9]*\)\]\$/\1/p" fds | sort >inodes &&
	# the prober had connections to nginx then: this could fail
	hexport=$(printf "%04X" "$port") &&
	awk -v p=":$hexport" "\$3 ~ p\"\$\" { print \$10 }" tcp | sort >tcp.inodes &&
	test -s tcp.inodes &&
	join inodes tcp.inodes >inherited &&
	test_must_be_empty inherited
'

test_expect_success '--batch-window: no tick leaves before its time, by nginx'"'"'s clock' '
	: >"$TEST_DIR/ng/access.log" &&
	"$PB" -q --rate 1000 --duration 1s --batch-window 5ms -o batch.log home=$base/ &&
	"$LOGCAT" -f req:request_id,time batch.log | sort >sched &&
	awk -F"\t" "{ print \$4 \"\t\" \$1 }" "$TEST_DIR/ng/access.log" | sort >arrived &&
	join -t "	" sched arrived >both &&
	test "$(wc -l <both)" -eq 1000 &&
	# nginx logs milliseconds: an arrival in the millisecond before the
	# scheduled time would be a tick sent early
	awk -F"\t" "{ if (int(\$3 * 1000 + 0.5) < int(\$2 / 1000)) bad++ } END { exit bad > 0 }" both &&
	"$LOGCAT" -f req:delay_us batch.log | awk "\$1 < 0" >early &&
	test_must_be_empty early &&
	# the header says how the ticks were sent (the default, 500us, otherwise)
	"$PB_BUILD/pbprobe-report" -f json batch.log >batch.json &&
	jq -e ".logs[0].batch_window_s == 0.005" batch.json &&
	"$PB_BUILD/pbprobe-report" -f json idle.log >idle.json &&
	jq -e ".logs[0].batch_window_s == 0.0005" idle.json
'

# Ticks of one batch leave in one wakeup: the same send time (scheduled time
# plus delay) to the millisecond. A loaded machine only makes batches larger.
test_expect_success '--batch-window: ticks due within the window leave together' '
	"$LOGCAT" -f req:time,delay_us batch.log >sent &&
	test "$(wc -l <sent)" -eq 1000 &&
	awk "{ print int((\$1 + \$2) / 1000) }" sent | sort -u | wc -l >sends &&
	echo "send instants: $(cat sends) for 1000 ticks" &&
	test "$(cat sends)" -le 500
'

test_done
