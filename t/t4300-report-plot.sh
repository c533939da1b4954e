#!/bin/bash
# --plot: gnuplot draws a PNG or an SVG; nothing read from a log is ever run
# by gnuplot (a URL or a mark carrying gnuplot syntax is drawn as text); a
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
	grep -qx "0.900000	rollout" captured-marks.dat &&
	grep -qx "0.500000	command started" captured-marks.dat &&
	grep -qx "3.000000	command exited 0" captured-marks.dat
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
	! grep -F "PWNED-mark" captured.gp
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
