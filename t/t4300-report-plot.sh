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
test_expect_success 'the plot shows windows, bursts and marks' '
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --burst-gap 2s --plot spy.png "$D/report-outage.log" >/dev/null 2>err || true &&
	test ! -s err && test -s spy.png &&
	test "$(grep -c "^set object .* rect from 1.000000, graph 0 to 1.500000" captured.gp)" = 1 &&
	test "$(grep -c "^set object .* rect from 1.000000, graph 0 to 2.600000" captured.gp)" = 1 &&
	grep -q "^set arrow from 0.900000, graph 0" captured.gp &&
	grep -q "^set multiplot layout 2,1 " captured.gp &&
	! grep -q "database" captured.gp &&
	grep -qx "0.500000	0.93	command started" captured-marks.dat &&
	grep -qx "3.000000	0.93	command exited 0" captured-marks.dat
'
test_expect_success 'labels of marks close together are staggered, not printed over each other' '
	# "command started" at 0.5s is still being written at 0.9s: the next row
	grep -qx "0.900000	0.81	rollout" captured-marks.dat &&
	printf "mark\t1764165600950000\trollout undone\nmark\t1764165601000000\tthird\nmark\t1764165601050000\tfourth\nmark\t1764165601100000\tfifth\n" >extra &&
	cat "$D/report-outage.log" extra >close.log &&
	PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot close.png close.log >/dev/null 2>err || true &&
	test ! -s err && test -s close.png &&
	cut -f2 captured-marks.dat | sort | uniq -c >rows &&
	# five labels within 0.6s use all four rows, the fifth the row freed first
	test "$(grep -c . rows)" = 4 &&
	grep -qx "0.950000	0.69	rollout undone" captured-marks.dat &&
	grep -qx "1.000000	0.57	third" captured-marks.dat &&
	grep -qx "1.050000	0.93	fourth" captured-marks.dat
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
	grep -q "^set multiplot layout 3,1 " captured.gp &&
	# unreachable 1s..2s and the lock wait 2s..3s, neither in HTTP red
	grep -q "^set object [0-9]* rect from 1.000000, graph 0 to 2.000000, graph 1 .*#7e57c2" captured.gp &&
	grep -q "^set object [0-9]* rect from 2.000000, graph 0 to 3.000000, graph 1 .*#26a69a" captured.gp &&
	grep -q "^set object [0-9]* rect from 3.050000, graph 0 .*#d1c4e9" captured.gp &&
	grep -q "^set arrow from 0.000000, graph 0 to 0.000000, graph 1 nohead front lw 2 lc rgb .#2e7d32" captured.gp &&
	grep -qx "0.000000	0.93	schema 52209719b79e" captured-schema.dat &&
	grep -q "	schema 8fe68fbf6baa$" captured-schema.dat &&
	grep -qx "2.000000	0.08	lock: helpingmaterial (AccessExclusiveLock)" captured-locks.dat &&
	! grep -q "8fe68fbf6baa\|AccessExclusiveLock" captured.gp
'
test_expect_success 'gnuplot syntax in a URL or a mark is drawn, never run' '
	rm -f PWNED* captured* &&
	rc=0 && PATH=$TEST_DIR/spy:$PATH "$REPORT" --plot hostile.png "$D/report-hostile.log" >/dev/null 2>err || rc=$? &&
	test "$rc" -eq 1 && test ! -s err && test -s hostile.png &&
	! ls PWNED* 2>/dev/null &&
	# the URL only inside a single-quoted string, its quote doubled
	grep -F "?q='"'"''"'"';system(\"touch PWNED-url\")#" captured.gp &&
	# the mark only in the data file, as text (cut to fit): no double quote left
	grep -F "'"'"'); system('"'"'touch PWNED-mark'"'"') # \\\\n'"'"'@x \`touch" captured-marks.dat &&
	! grep -F "PWNED-mark" captured.gp &&
	# a schema value and a lock relation likewise, in the database panel
	grep -F "schema '"'"'); system('"'"'touch PWNED-schema'"'"') # \\\\n'"'"'@y" captured-schema.dat &&
	grep -F "lock: '"'"'];system('"'"'touch PWNED-rel'"'"')# (Access'"'"'Exc" captured-locks.dat &&
	! grep -F "PWNED-schema" captured.gp && ! grep -F "PWNED-rel" captured.gp
'
test_expect_success 'no string from a log reaches the script outside single quotes' '
	# every occurrence of the hostile name is inside a quoted title
	grep -F "RED?" captured.gp >lines &&
	test -s lines &&
	! grep -v "^set title '"'"'" lines
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
