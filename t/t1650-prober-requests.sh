#!/bin/bash
# What a request sends and expects, against nginx: -X and --data (DATA and
# @FILE) reach it as method and body; -H NAME: reaches only its target;
# --expect-body turns a 200 maintenance page into downtime, whose window is
# the interval in which this test served that page.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
W=$TEST_DIR/ng/www
mkdir -p "$W"
head -c 2000 /dev/zero | tr '\0' 'j' >"$TEST_DIR/body.json"
printf 'service OK\n' >"$W/page"
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"location = /post { if (\$request_method != POST) { return 405; } if (\$http_content_length != 11) { return 400; } if (\$http_expect) { return 417; } return 200; }" \
	"location = /put { if (\$request_method != PUT) { return 405; } if (\$http_content_length != 2000) { return 400; } return 200; }" \
	"location = /a { if (\$http_x_only_a != yes) { return 403; } return 200; }" \
	"location = /b { if (\$http_x_only_a) { return 403; } if (\$http_x_all != 1) { return 400; } return 200; }" \
	"location = /zipped { gzip on; gzip_types text/plain; gzip_min_length 1; default_type text/plain; alias $W/page; }" ||
	skip_all "nginx did not start"
ACCESS=$TEST_DIR/ng/access.log
BASE=http://127.0.0.1:$port

# outcomes LOG: "COUNT TARGET OUTCOME" lines of LOG's requests
outcomes() {
	"$LOGCAT" -f req:target,outcome "$1" | tr '\t' ' ' | sort | uniq -c | sed 's/^ *//'
}

test_expect_success '--data DATA is a POST with that body; -X PUT --data @FILE sends the file' '
	"$PB" -q --rate 20 --duration 1s --data "hello world" -o post.log "post=$BASE/post" &&
	outcomes post.log >got && echo "20 post 200" >expect && test_cmp expect got &&
	test "$(awk -F"\t" "\$6 == \"/post\" && \$5 == \"POST\" && \$3 == 200" "$ACCESS" | wc -l)" = 20 &&
	"$PB" -q --rate 20 --duration 1s -X PUT --data "@$TEST_DIR/body.json" -o put.log "put=$BASE/put" &&
	outcomes put.log >got && echo "20 put 200" >expect && test_cmp expect got
'

test_expect_success '-H NAME: reaches only its target; one without NAME: every target' '
	"$PB" -q --rate 20 --duration 1s -H "a:X-Only-A: yes" -H "X-All: 1" -o hdr.log \
		"a=$BASE/a" "b=$BASE/b" &&
	outcomes hdr.log >got && printf "20 a 200\n20 b 200\n" >expect && test_cmp expect got &&
	# a target'"'"'s own header replaces the same one for every target
	"$PB" -q --rate 20 --duration 1s -H "X-Only-A: no" -H "a:X-Only-A: yes" -o hdr2.log "a=$BASE/a" &&
	outcomes hdr2.log >got && echo "20 a 200" >expect && test_cmp expect got
'

test_expect_success 'bad method, regex, body file or --expect-bytes: a usage error naming it' '
	test_expect_code 2 "$PB" -X "GE T" -d 1s http://h/ 2>err && grep -q "request: \"GE T\" is not a method" err &&
	test_expect_code 2 "$PB" --expect-body "(" -d 1s http://h/ 2>err && grep -q "^pbprobe: --expect-body \"(\": " err &&
	test_expect_code 2 "$PB" --data @/nonexistent -d 1s http://h/ 2>err && grep -q "^pbprobe: --data @/nonexistent: No such file" err &&
	test_expect_code 2 "$PB" --expect-bytes 0 -d 1s http://h/ 2>err && grep -q "expect-bytes" err &&
	test_expect_code 2 "$PB" -X HEAD --expect-body ok -d 1s http://h/ 2>err && grep -q "HEAD, which has no body" err
'

test_expect_success '--expect-body reads a gzip body decoded: -H Accept-Encoding goes through libcurl' '
	"$PB" -q --rate 20 --duration 1s -H "Accept-Encoding: gzip" --expect-body "^service OK" \
		-o zip.log "zip=$BASE/zipped" &&
	outcomes zip.log >got && echo "20 zip 200" >expect && test_cmp expect got &&
	# nginx sent it compressed (42 bytes for the 11 of the page)
	test "$(awk -F"\t" "\$6 == \"/zipped\" && \$7 != 11" "$ACCESS" | wc -l)" = 20
'

test_expect_success '--expect-body: a 200 maintenance page is a window where the test served it, and only with it' '
	"$PB" -q --rate 50 --duration 3s --expect-body "checked:^service OK" -o maint.log \
		"checked=$BASE/page" "plain=$BASE/page" &
	pid=$! &&
	sleep 1 &&
	printf "down for maintenance\n" >"$W/page.new" && b1=$(date +%s.%N) &&
	mv "$W/page.new" "$W/page" && a1=$(date +%s.%N) &&
	sleep 1 &&
	printf "service OK\n" >"$W/page.new" && b2=$(date +%s.%N) &&
	mv "$W/page.new" "$W/page" && a2=$(date +%s.%N) &&
	wait $pid &&
	"$LOGCAT" -f req:target,outcome maint.log | grep -c "^checked	body$" >n && test "$(cat n)" -gt 30 &&
	! "$LOGCAT" -f req:target,outcome maint.log | grep -q "^plain	body$" &&
	{ "$REPORT" -f json maint.log >j || true; } &&
	jq -e ".targets[] | select(.name == \"plain\") | .windows_count == 0" j &&
	jq -e ".targets[] | select(.name == \"checked\") | .windows_count == 1 and .errors.body > 30" j &&
	# the window is the interval the page was served, to within a tick and 5 ms
	jq -r ".targets[] | select(.name == \"checked\") | .windows[0] | \"\(.start) \(.end)\"" j >w &&
	read -r start end <w &&
	awk -v s="$start" -v e="$end" -v b1="$b1" -v a1="$a1" -v b2="$b2" -v a2="$a2" -v tick=0.02 "BEGIN {
		ok = s >= b1 - 0.005 && s <= a1 + tick + 0.005 && e >= b2 - 0.005 && e <= a2 + tick + 0.005
		if (!ok) printf \"window %s..%s, page served %s..%s to %s..%s\\n\", s, e, b1, a1, b2, a2
		exit !ok
	}"
'

test_done
