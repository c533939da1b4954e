#!/bin/bash
# --plot: gnuplot draws a PNG or an SVG, with a database panel for --db logs;
# nothing read from a log is ever run by gnuplot (a URL, a mark, a schema
# value or a lock relation carrying gnuplot syntax is drawn as text); a
# missing or failing gnuplot is one line on stderr and changes nothing else.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data

command -v gnuplot >/dev/null || skip_all "gnuplot not installed (apt-get install gnuplot-nox)"

# A gnuplot that keeps a copy of the script it is given, then runs the real one.
mkdir -p spy && cat >spy/gnuplot <<EOT && chmod +x spy/gnuplot
#!/bin/sh
cp "\$1" "$TEST_DIR/captured.gp"
for f in "\$(dirname "\$1")"/*.dat; do cp "\$f" "$TEST_DIR/captured-\$(basename "\$f")"; done
exec $(command -v gnuplot) "\$@"
EOT

test_expect_success 'a PNG is drawn, and the exit status is still the verdict' '
	rc=0 && "$REPORT" --plot out.png "$D/report-outage.log" >report.txt 2>err || rc=$? &&
	test "$rc" -eq 1 && test ! -s err &&
	test -s out.png &&
	test "$(head -c 8 out.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
	grep "^FAIL" report.txt
'
test_expect_success 'an SVG is drawn for a .svg name, several targets on it' '
	"$REPORT" --plot out.svg "$D/report-clean.log" >/dev/null 2>err &&
	test ! -s err && test -s out.svg &&
	grep -q "<svg" out.svg &&
	grep -q "api  http://127.0.0.1:8080/api/helpingmaterial" out.svg
'
# The boxes of the labels of an SVG's lanes, one per line: x0 x1 y text.
# A box is as wide as pngcairo draws it (7 px a character of the label
# font, 8 px of margins: wider than the SVG's own glyphs); its text starts
# 5 px right of its line, or ends 4 px left of it (text-anchor end).
label_boxes() {
	awk '/font-family="DejaVu Sans Mono"/ && /textbox/ {
		match($0, /translate\([-0-9.]+,[-0-9.]+\)/)
		split(substr($0, RSTART + 10, RLENGTH - 11), p, ",")
		right = $0 ~ /text-anchor="end"/
		getline
		t = $0; sub(/^[ \t]*<text[^>]*>/, "", t); sub(/<\/text>.*/, "", t)
		shown = t; gsub(/&[a-z]+;/, "x", t); gsub(/…/, ".", t)
		w = length(t) * 7 + 8
		x0 = right ? p[1] + 4 - w : p[1] - 5
		printf "%.2f %.2f %s %s\n", x0, x0 + w, p[2], shown
	}' "$1" | sort -u
}
# Fails, showing them, when two boxes of one row overlap or a box leaves the
# axis (84..1008 px: the legends are right of it).
boxes_apart() {
	sort -k3,3n -k1,1n "$1" | awk '
		$1 < 83.5 || $2 > 1008.5 { print "off the axis: " $0; bad = 1 }
		$3 == y && $1 < end - 0.5 { print "overlap: " prev " / " $0; bad = 1 }
		{ y = $3; end = $2; prev = $0 }
		END { exit bad }'
}
R=$D/plot-rollout.log

test_expect_success 'the plot shows windows, bursts and marks at their times' '
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --burst-gap 2s --plot spy.png "$D/report-outage.log" >/dev/null 2>err || true &&
	test ! -s err && test -s spy.png &&
	# in the lane under the rates, solid: windows full height, bursts within
	test "$(grep -c "^set object .* rect from 1.000000, graph 0.00 to 1.500000, graph 1.00 .*#c62828" captured.gp)" = 1 &&
	test "$(grep -c "^set object .* rect from 1.000000, graph 0.20 to 2.600000, graph 0.80 .*#ef6c00" captured.gp)" = 1 &&
	# over the data, behind it: a fill never tints a bar
	grep -q "^set object .* rect from 1.000000, graph 0 to 1.500000, graph 1 back " captured.gp &&
	! grep "^set object .* front" captured.gp &&
	grep -q "^set arrow from 0.900000, graph 0" captured.gp &&
	! grep -q "database" captured.gp &&
	cut -f3 captured-marks.dat >texts &&
	printf "command started\nrollout\ncommand exited 0\n" >expect && test_cmp expect texts
'
test_expect_success 'the verdict is a banner of its colour' '
	grep -q "^set object 1 rect from screen 0, screen 0.[0-9]* to screen 1, screen 1 behind fc rgb .#c62828. " captured.gp &&
	grep -q "^set label 1 .FAIL. at screen" captured.gp &&
	grep -q "^set label 2 .home: 6 failed requests" captured.gp &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot pass.png "$D/report-clean.log" >/dev/null 2>err &&
	grep -q "^set object 1 rect .* fc rgb .#2e7d32. " captured.gp &&
	grep -q "^set label 1 .PASS. " captured.gp &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --max-errors 1 --plot inc.png "$D/report-stalled.log" >report.txt 2>err || true &&
	head -n 1 report.txt | grep "^INCONCLUSIVE" &&
	grep -q "^set object 1 rect .* fc rgb .#ffb300. " captured.gp
'
test_expect_success 'the banner is drawn with no mark and no command, and for the database alone' '
	"$REPORT" --plot clean.svg "$D/report-clean.log" >/dev/null 2>err &&
	test ! -s err && grep -q ">PASS<" clean.svg &&
	test_expect_code 1 "$REPORT" --plot dbonly.svg "$D/plot-db-only.log" >/dev/null 2>err &&
	test ! -s err && grep -q ">FAIL<" dbonly.svg && grep -q "database" dbonly.svg
'
test_expect_success 'the legend names windows, bursts and blind intervals in their styles' '
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot r.png "$R" >/dev/null 2>err || true &&
	test ! -s err &&
	test "$(grep -c "keyentry with boxes fc rgb .#c62828. .* title .downtime window." captured.gp)" = 2 &&
	test "$(grep -c "keyentry with boxes fc rgb .#ef6c00. .* title .error burst." captured.gp)" = 2 &&
	test "$(grep -c "keyentry with boxes fc rgb .#616161. fs pattern 4 .* title .blind (not observed)." captured.gp)" = 2
'
test_expect_success 'x counts from the first request, as the text report does' '
	# the first request at 14:00:00.370: the axis starts there, not at 14:00:00
	grep -qx "set xrange \[0.000000:30.000000\]" captured.gp &&
	grep -q "seconds since the first request, 2025-11-26 14:00:00.370 UTC" captured.gp &&
	# the api window the text puts at +17.3s is drawn at 17.3
	"$REPORT" "$R" | grep "+17.3s .. +17.4s" &&
	grep -q "rect from 17.3000[0-9]*, graph 0.00 to 17.[0-9]*, graph 1.00 .*#c62828" captured.gp &&
	# the 750 ms outage after the mark at +10.75s starts at +10.8s (sent
	# 40 us late), not at the second it falls in (+10.63s)
	grep -q "^set arrow from 10.750000, graph 0" captured.gp &&
	grep -q "rect from 10.800040, graph 0.00 to 11.550040, graph 1.00 .*#c62828" captured.gp
'
test_expect_success 'every label on the shared x axis once; the x label on the bottom panel alone' '
	test "$(grep -c "^set xlabel '"'"'[^'"'"']" captured.gp)" = 1 &&
	test "$(grep -c "rollout started" captured-marks.dat)" = 1 &&
	test "$(grep -c "marks.dat" captured.gp)" = 1
'
test_expect_success 'the latency axis ends at the first power of ten above the highest p99' '
	for i in 0 1; do
		max=$(cut -f11 captured-series-$i.dat | sort -n | tail -n 1) &&
		grep "^set yrange \[1e" captured.gp | sed -n "$((i + 1))p" >range &&
		hi=$(sed "s/.*:1e\([0-9-]*\)\]/\1/" range) &&
		awk -v m="$max" -v h="$hi" "BEGIN { exit !(m < 10 ^ h && m >= 10 ^ (h - 1)) }" || return 1
	done
'
test_expect_success 'labels never overlap each other, the legend or the data' '
	"$REPORT" --plot r.svg "$R" >/dev/null 2>err || true &&
	test ! -s err &&
	label_boxes r.svg >boxes &&
	test "$(grep -c . boxes)" = 15 &&
	boxes_apart boxes &&
	# the long mark at the right is drawn left of its line, cut where it
	# meets another, with its whole text in the key under the plot
	grep -q "rollout stalled: progress deadline .*…$" boxes &&
	grep -q "+28.5s  rollout stalled: progress deadline exceeded for deployment/pybossa-web (ProgressDeadlineExceeded)" r.svg
'
test_expect_success 'thirty marks in a second: rows, then cut short, every one in the key' '
	awk "BEGIN { for (i = 0; i < 30; i++) printf \"mark\t%d\tstep %d of a crowded rollout\n\", 1764165601000000 + i * 33000, i }" >crowd &&
	cat "$D/report-outage.log" crowd >crowd.log &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot crowd.svg crowd.log >/dev/null 2>err || true &&
	test ! -s err &&
	label_boxes crowd.svg >boxes &&
	boxes_apart boxes &&
	# eight rows at most; every label cut or left out is in the key
	test "$(cut -f2 captured-marks.dat | sort -u | grep -c .)" = 8 &&
	test "$(grep -c "^[0-9]*	\[[0-9]*\] +1.[0-9]*s  step [0-9]* of a crowded rollout$" captured-key.dat)" -ge 20 &&
	for i in $(seq 0 29); do
		grep -q "	step $i of a crowded rollout	" captured-marks.dat ||
		grep -q "  step $i of a crowded rollout$" captured-key.dat || return 1
	done
'
test_expect_success 'a single 502 is drawn at its time, whatever the zoom' '
	awk -v t0=1764165600000000 "BEGIN {
		OFS = \"\t\"
		print \"#pbprobe-log 1\", \"start_us=\" t0
		print \"target\", t0, \"home\", \"http://h/\", 10, \"keepalive\"
		for (i = 0; i < 6000; i++)
			print \"req\", t0 + i * 100000, \"home\", i == 4321 ? 502 : 200, 2000, 40, 18, 1, \"10.0.0.1:80\", \"-\", \"id\" i, 30, 0, \"1.1\"
		print \"end\", t0 + 6000 * 100000, \"done\"
	}" >one502.log &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot one.png one502.log >/dev/null 2>err || true &&
	test ! -s err &&
	# one window in the lane, from the 502 at +432.1s (sent 40 us late), 3 px
	# wide at least on a 600 s axis of 924 px
	grep "rect from [0-9.]*, graph 0.00 to [0-9.]*, graph 1.00 back fc rgb .#c62828" captured.gp >ticks &&
	test "$(grep -c . ticks)" = 1 &&
	grep -q "rect from 432.100040, graph 0.00 to 434.0[0-9]*, graph 1.00" ticks &&
	# past --list, every second with a failure is drawn as a tick too
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --list 0 --plot one.png one502.log >/dev/null 2>err || true &&
	! grep -q "rect from [0-9.]*, graph 0.00 to [0-9.]*, graph 1.00 back fc rgb .#c62828" captured.gp &&
	grep -q "with vectors nohead lw 4 lc rgb .#b71c1c." captured.gp &&
	awk -F"\t" "\$4 + \$5 + \$6 + \$7 + \$8 > 0" captured-series-0.dat >failing &&
	test "$(grep -c . failing)" = 1 && grep -q "^432.000000	433.000000	" failing
'
test_expect_success 'failures at two peers or more: a level per peer, the failures of each second' '
	# 50/s over three peers; .1 fails (503) in seconds 2-3, .2 (reset) in 5-6
	awk -v t0=1764165600000000 "BEGIN {
		OFS = \"\t\"
		print \"#pbprobe-log 1\", \"start_us=\" t0
		print \"target\", t0, \"home\", \"http://h/\", 50, \"keepalive\"
		for (i = 0; i < 500; i++) {
			o = 200
			if (i % 3 == 0 && i > 100 && i < 200) o = 503
			if (i % 3 == 1 && i > 250 && i < 330) o = \"reset\"
			print \"req\", t0 + i * 20000, \"home\", o, 2000, 40, 18, 1, \"10.0.0.\" (i % 3 + 1) \":80\", \"-\", \"id\" i, 30, 0, \"1.1\"
		}
		print \"end\", t0 + 500 * 20000, \"done\"
	}" >peers.log &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot peers.png peers.log >/dev/null 2>err || true &&
	test ! -s err && test -s peers.png &&
	grep -q "title '"'"'failed at 10.0.0.1:80'"'"'" captured.gp &&
	grep -q "title '"'"'failed at 10.0.0.2:80'"'"'" captured.gp &&
	! grep -q "failed at 10.0.0.3:80" captured.gp &&
	# seconds 2 and 3: 16 and 17 of .1'"'"'s 33 failures; second 5: 16 of .2'"'"'s
	awk -F"\t" "\$1 == \"2.000000\" || \$1 == \"3.000000\" || \$1 == \"5.000000\" { print \$12, \$13 }" \
		captured-series-0.dat >got &&
	printf "16.000 0.000\n17.000 0.000\n0.000 16.000\n" >expect && test_cmp expect got &&
	# one peer failing: no level of its own
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot burst.png "$D/report-burst.log" >/dev/null 2>err || true &&
	! grep -q "failed at" captured.gp
'

test_expect_success 'the database panel: windows and waits shaded, schema changes as lines' '
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot db.png "$D/report-db.log" >/dev/null 2>err &&
	test ! -s err && test -s db.png &&
	# unreachable 1s..2s and the lock wait 2s..3s, neither in HTTP red
	grep -q "^set object [0-9]* rect from 1.000000, graph 0 to 2.000000, graph 1 .*#7e57c2" captured.gp &&
	grep -q "^set object [0-9]* rect from 2.000000, graph 0 to 3.000000, graph 1 .*#26a69a" captured.gp &&
	grep -q "^set object [0-9]* rect from 3.050000, graph 0 .*#d1c4e9" captured.gp &&
	grep -q "^set arrow from 0.000000, graph 0 to 0.000000, graph 1 nohead front lw 2 lc rgb .#2e7d32" captured.gp &&
	# the schema values in the lane on top, green; the lock in the panel
	grep -q "	0.50	schema 52209719b79e	0	3046706$" captured-marks.dat &&
	grep -q "	schema 8fe68fbf6baa	[01]	3046706$" captured-marks.dat &&
	grep -q "^2.[0-9]*	0.50	lock: helpingmaterial (AccessExclusiveLock)	0	" captured-locks.dat &&
	! grep -q "8fe68fbf6baa\|AccessExclusiveLock" captured.gp
'
test_expect_success 'gnuplot syntax in a URL or a mark is drawn, never run' '
	rm -f PWNED* captured* &&
	rc=0 && PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot hostile.png "$D/report-hostile.log" >/dev/null 2>err || rc=$? &&
	test "$rc" -eq 1 && test ! -s err && test -s hostile.png &&
	! ls PWNED* 2>/dev/null &&
	# the URL only inside a single-quoted string, its quote doubled
	grep -F "?q='"'"''"'"';system(\"touch PWNED-url\")#" captured.gp &&
	# the mark only in the data file, as text: no double quote left
	grep -F "'"'"'); system('"'"'touch PWNED-mark'"'"') # \\\\n'"'"'@x \`touch" captured-marks.dat &&
	! grep -F "PWNED-mark" captured.gp &&
	# a schema value and a lock relation likewise, in the database panel
	grep -F "schema '"'"'); system('"'"'touch PWNED-schema'"'"') # \\\\n'"'"'@y" captured-marks.dat &&
	grep -F "lock: '"'"'];system('"'"'touch PWNED-rel'"'"')# (Access'"'"'Exc" captured-locks.dat &&
	! grep -F "PWNED-schema" captured.gp && ! grep -F "PWNED-rel" captured.gp
'
test_expect_success 'no string from a log reaches the script outside single quotes' '
	# every occurrence of the hostile name is inside a quoted string: the
	# title of its panel and the banner'"'"'s reason
	grep -F "RED?" captured.gp >lines &&
	test "$(grep -c . lines)" = 2 &&
	sed "s/'"'"'\([^'"'"']\|'"'"''"'"'\)*'"'"'//g" lines >unquoted &&
	! grep -F "RED" unquoted
'
test_expect_success 'without gnuplot: one line on stderr, the report as usual' '
	mkdir -p nognuplot && ln -sf "$(command -v jq)" nognuplot/jq &&
	rc=0 && PATH=$TEST_DIR/nognuplot "$REPORT" --plot x.png "$D/report-clean.log" >report.txt 2>err || rc=$? &&
	test "$rc" -eq 0 &&
	test_cmp - err <<-\EOT &&
	pbprobe-report: --plot x.png: gnuplot not found in PATH (apt-get install gnuplot-nox); the rest of the report is unaffected
	EOT
	head -n 1 report.txt | grep "^PASS" &&
	test ! -e x.png
'
test_expect_success 'a gnuplot failure is reported with its message' '
	rc=0 && "$REPORT" --plot no/such/dir/x.png "$D/report-clean.log" >/dev/null 2>err || rc=$? &&
	test "$rc" -eq 0 &&
	test "$(wc -l <err)" -eq 1 &&
	grep "^pbprobe-report: --plot no/such/dir/x.png: gnuplot exited 1: " err
'
test_done
