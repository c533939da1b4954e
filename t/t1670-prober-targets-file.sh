#!/bin/bash
# --targets FILE against nginx: every key of a block reaches the server as
# the option of the same name would (nginx answers 200 only to the method,
# body length and headers it expects); the command line adds targets and
# overrides a block's settings; each kind of mistake is one line naming
# FILE:LINE, before anything is probed.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
W=$TEST_DIR/ng/www
mkdir -p "$W"
printf 'service OK\n' >"$W/page"
printf 'down for maintenance\n' >"$W/maint"
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"location = /post { if (\$request_method != POST) { return 405; } if (\$http_content_length != 11) { return 400; } return 200; }" \
	"location = /a { if (\$http_x_only_a != yes) { return 403; } if (\$http_authorization != 'Bearer tf-secret-123') { return 401; } return 200; }" \
	"location = /b { if (\$http_x_only_a) { return 403; } if (\$http_x_all != 1) { return 400; } return 200; }" \
	"location = /maint { default_type text/plain; alias $W/maint; }" ||
	skip_all "nginx did not start"
ACCESS=$TEST_DIR/ng/access.log
BASE=http://127.0.0.1:$port

# outcomes LOG: "COUNT TARGET OUTCOME" lines of LOG's requests
outcomes() {
	"$LOGCAT" -f req:target,outcome "$1" | tr '\t' ' ' | sort | uniq -c | sed 's/^ *//'
}

cat >every.targets <<EOF
# every key, and a target of one line
b=$BASE/b?run=tf&token=tf-secret-456

[a]
url = $BASE/a?run=tf
rate = 10
connections = both
header = X-Only-A: yes
header = Authorization: Bearer tf-secret-123

[post]
url = $BASE/post?run=tf
request = POST
data = hello world
rate = 20

[maint]
	url	=	$BASE/maint?run=tf
expect-body = ^service OK

[slow]
url = $BASE/slow?run=tf
timeout = 300ms
EOF

test_expect_success 'every key of a targets file reaches nginx; the command line adds and overrides' '
	"$PB" -q --duration 1s -r 20 -H "X-All: 1" -r post:5 --targets every.targets \
		-o every.log "cli=$BASE/b?run=cli" 2>err &&
	outcomes every.log >got &&
	cat >expect <<-EOF &&
	10 a 200
	10 a~new 200
	20 b 200
	20 cli 200
	20 maint body
	5 post 200
	20 slow timeout
	EOF
	test_cmp expect got &&
	# the file'"'"'s targets first, in its order, then the command line'"'"'s
	"$LOGCAT" -f target:name every.log | tr "\n" " " >order &&
	test "$(cat order)" = "b a a~new post maint slow cli " &&
	# what nginx saw: the method and body, the headers of each target
	test "$(awk -F"\t" "\$6 == \"/post?run=tf\" && \$5 == \"POST\" && \$3 == 200" "$ACCESS" | wc -l)" = 5 &&
	test "$(awk -F"\t" "\$6 == \"/a?run=tf\" && \$3 == 200" "$ACCESS" | wc -l)" = 20 &&
	test "$(awk -F"\t" "\$6 ~ /^\/b\?run=tf/ && \$3 == 200" "$ACCESS" | wc -l)" = 20 &&
	# a~new: a connection per request
	test "$(awk -F"\t" "\$6 == \"/a?run=tf\" && \$10 == 1" "$ACCESS" | wc -l)" -ge 10 &&
	# secrets in the file reach no log line and no message
	! grep -r "tf-secret" every.log err &&
	grep -q "token=<redacted>" every.log
'

# bad CONTENT EXPECTED: a usage error, exit 2, naming bad.targets:LINE
bad() {
	printf '%b' "$1" >bad.targets
	if ! test_expect_code 2 "$PB" -q -d 1s --targets bad.targets 2>err ||
		test "$(wc -l <err)" != 1 || ! grep -qF "pbprobe: $2" err; then
		echo "for \"$1\": got $(cat err)"
		return 1
	fi
}

test_expect_success 'each kind of mistake: one line naming FILE:LINE, exit 2' '
	bad "rate = 5\n" "bad.targets:1: rate before any [NAME] block" &&
	bad "[a]\n\n# none\nrate = 5\n" "bad.targets:1: [a] has no url" &&
	bad "[a]\nurl = ftp://h/\n" "bad.targets:2: bad URL \"ftp://h/\": must start with http:// or https://" &&
	bad "[a]\nurl = http://h/\nrates = 5\n" "bad.targets:3: unknown key \"rates\" (keys: url, rate" &&
	bad "[a]\nurl = http://h/\nrate = fast\n" "bad.targets:3: rate: bad rate \"fast\"" &&
	bad "[a]\nurl = http://h/\nrate = 5\nrate = 6\n" "bad.targets:4: rate set twice in [a] (line 3)" &&
	bad "[a]\nurl = http://h/\nconnections = sometimes\n" "bad.targets:3: connections: \"sometimes\" is not keepalive, new or both" &&
	bad "[a]\nurl = http://h/\nrequest = GE T\n" "bad.targets:3: request: \"GE T\" is not a method" &&
	bad "[a]\nurl = http://h/\nheader = Authorization Bearer sekrit\n" "bad.targets:3: header: not \"Name: value\"" &&
	! grep -q sekrit err &&
	bad "[a]\nurl = http://h/\ndata = @/nonexistent\n" "bad.targets:3: data: @/nonexistent: No such file" &&
	bad "[a]\nurl = http://h/\nexpect-body = (\n" "bad.targets:3: expect-body: \"(\": " &&
	bad "[a]\nurl = http://h/\ncert = /nonexistent.pem:sekrit\n" "bad.targets:3: cert: /nonexistent.pem: No such file" &&
	! grep -q sekrit err &&
	bad "[a]\nurl = http://h/\ntimeout = 0\n" "bad.targets:3: timeout: 0 is below" &&
	bad "[a]\nurl = http://h/\nhttp://h/other\n" "bad.targets:3: a target of one line goes before the first [NAME] block" &&
	bad "[a]\nurl = http://h/\njust words\n" "bad.targets:3: not KEY = VALUE, [NAME] or a target" &&
	bad "[a b]\nurl = http://h/\n" "bad.targets:1: bad target name in [...]" &&
	bad "x y=http://u:sekrit@h/\n" "bad.targets:1: bad target name before '"'"'='"'"'" &&
	! grep -q sekrit err &&
	bad "[a]\nurl = http://h/\nheader: Authorization: Basic c2Vrcml0==\n" "bad.targets:3: not KEY = VALUE" &&
	! grep -q c2Vrcml0 err &&
	bad "[a]\nurl = http://h/\n[a]\nurl = http://h/\n" "bad.targets:3: [a] again" &&
	bad "a=http://h/\n[a]\nurl = http://h/x\n" "bad.targets:3: two targets named \"a\"" &&
	bad "[a\n" "bad.targets:1: a block starts with a line \"[NAME]\"" &&
	bad "# nothing\n" "bad.targets: no target in the file" &&
	bad "a=http://h/\000\n" "bad.targets:1: a NUL byte" &&
	test_expect_code 2 "$PB" -q -d 1s --targets /nonexistent 2>err &&
	grep -qF "pbprobe: /nonexistent: No such file or directory" err &&
	# nothing was probed: no log was written
	test_expect_code 2 "$PB" -q -d 1s --targets bad.targets -o never.log &&
	test ! -e never.log
'

test_done
