#!/bin/bash
# -f html: one self-contained page, checked in a real browser. Headless
# Chromium, driven over WebDriver (chromedriver) with curl and jq, loads
# each page from file:// with the network blocked, and the test reads the
# DOM: every downtime window of the JSON report is a band at its time on the
# page's axis, every mark is there with its text, no two labels overlap each
# other or the data, nothing is fetched, nothing is logged to the console,
# hostile text from a log stays text, the page reads with scripts off, each
# run has its section, and hovering a second shows its counts. A screenshot
# is kept in the test's directory (PB_UPDATE_SCREENSHOT=1 copies it to
# docs/html-report.png).
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}

[ -x "$CHROMIUM" ] || skip_all "no chromium (apt-get install chromium)"
[ -x "$CHROMEDRIVER" ] || skip_all "no chromedriver (apt-get install chromium-driver)"
command -v jq >/dev/null || skip_all "no jq"

CD_PID=
CD_PORT=
SID=
# The browser goes whatever happens: its session first (chromium quits),
# then chromedriver's process group (setsid: chromium's processes with it).
browser_stop() {
	if [ -n "$SID" ]; then
		curl -s -m 5 -X DELETE "http://127.0.0.1:$CD_PORT/session/$SID" >/dev/null 2>&1 || true
		# chromium removes its profile's lock when it has quit
		for _i in $(seq 50); do
			[ -L "$TEST_DIR/profile/SingletonLock" ] || break
			sleep 0.1
		done
		SID=
	fi
	if [ -n "$CD_PID" ]; then
		kill -TERM -- "-$CD_PID" 2>/dev/null || true
		for _i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 -- "-$CD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$CD_PID" 2>/dev/null || true
		CD_PID=
	fi
}
trap 'rc=$?; browser_stop; (exit "$rc"); test_cleanup' EXIT

# wd METHOD PATH [JSON]: a WebDriver call on the session; prints its answer.
wd() {
	curl -sS -m 30 -X "$1" -H 'Content-Type: application/json' \
		"http://127.0.0.1:$CD_PORT/session/$SID$2" ${3:+--data-binary "$3"}
}

# js SCRIPT [ARGS-JSON]: runs SCRIPT (a function body) in the page, prints
# what it returns as JSON.
js() {
	local body
	body=$(jq -cn --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}') &&
		wd POST /execute/sync "$body" | jq -ce '.value'
}

# open FILE: loads FILE and waits for it (pageLoad timeout bounds the wait).
open_page() {
	wd POST /url "$(jq -cn --arg u "file://$1" '{url: $u}')" | jq -e '.value == null' >/dev/null
}

# The console's entries since the last call, one per line: LEVEL MESSAGE.
console() {
	wd POST /se/log '{"type":"browser"}' | jq -r '.value[] | "\(.level) \(.message)"'
}

test_expect_success 'pages are written for one run, several runs and hostile text' '
	test_expect_code 1 "$REPORT" -f html -o marks.html "$D/html-marks.log" &&
	test_expect_code 1 "$REPORT" -f json -o marks.json "$D/html-marks.log" &&
	test_expect_code 1 "$REPORT" -f html -o runs.html "$D/html-marks.log" "$D/html-later.log" &&
	test_expect_code 1 "$REPORT" -f json -o runs.json "$D/html-marks.log" "$D/html-later.log" &&
	test_expect_code 1 "$REPORT" -f html -o hostile.html "$D/html-hostile.log" &&
	test_expect_code 1 "$REPORT" -f json -o hostile.json "$D/html-hostile.log" &&
	{ "$REPORT" -f html -o db.html "$D/report-db.log" "$D/report-versions.log" --one-run || test $? -le 4; } &&
	head -c 15 marks.html | grep -qx "<!DOCTYPE html>" &&
	tail -n 1 marks.html | grep -qx "</html>"
'

test_expect_success 'the page is one file: nothing it could fetch, one inline script' '
	for f in marks.html runs.html hostile.html db.html; do
		# src= and href= only to anchors in the page, url() only to its own patterns
		! grep -Eio "(src|href|xlink:href|action|poster|srcset)=\"[^#\"][^\"]*\"" "$f" &&
		! grep -Eio "url\([^#)][^)]*\)" "$f" &&
		! grep -Eiq "<(link|img|iframe|object|embed|audio|video|source|base)[ >]|@import|@font-face" "$f" &&
		test "$(grep -o "<script" "$f" | wc -l)" = 1 &&
		grep -q "<script>" "$f" ||
		return 1
	done
'

test_expect_success 'chromium starts under chromedriver, with the network blocked' '
	CD_PORT=$(free_port) || return 1
	setsid "$CHROMEDRIVER" --port="$CD_PORT" --log-path="$TEST_DIR/chromedriver.log" </dev/null >/dev/null 2>&1 &
	CD_PID=$!

	svc_track_pid "$CD_PID" &&
	test_wait_for 10 curl -sf -m 2 "http://127.0.0.1:$CD_PORT/status" -o /dev/null &&
	caps=$(jq -cn --arg bin "$CHROMIUM" --arg prof "$TEST_DIR/profile" "{capabilities: {alwaysMatch: {
		browserName: \"chrome\", pageLoadStrategy: \"normal\",
		timeouts: {pageLoad: 20000, script: 10000, implicit: 0},
		\"goog:loggingPrefs\": {browser: \"ALL\"},
		\"goog:chromeOptions\": {binary: \$bin, args: [\"--headless=new\", \"--no-sandbox\",
			\"--disable-gpu\", \"--disable-dev-shm-usage\", \"--no-first-run\",
			\"--disable-background-networking\", \"--disable-component-update\",
			\"--disable-sync\", \"--proxy-server=127.0.0.1:9\", \"--proxy-bypass-list=<-loopback>\",
			\"--host-resolver-rules=MAP * ~NOTFOUND\", \"--window-size=1280,1000\",
			\"--user-data-dir=\" + \$prof]}}}}") &&
	SID=$(curl -sS -m 60 -X POST -H "Content-Type: application/json" --data-binary "$caps" \
		"http://127.0.0.1:$CD_PORT/session" | jq -er ".value.sessionId") &&
	test -n "$SID"
'
[ -n "$SID" ] || {
	test_done
}

test_expect_success 'the page loads with no request and no console error' '
	console >/dev/null &&
	open_page "$TEST_DIR/marks.html" &&
	test "$(js "return document.title")" = "\"pbprobe: FAIL\"" &&
	test "$(js "return performance.getEntriesByType(\"resource\").length")" = 0 &&
	test "$(js "return document.querySelectorAll(\"svg.timeline\").length")" = 1 &&
	console >console.txt && cat console.txt &&
	! grep -E "^(SEVERE|WARNING) " console.txt
'

# Where a time must be on the page: the axis is in the SVG's data attributes
# (seconds from data-origin at pixels data-x0 .. data-x1 from its left edge).
AXIS_JS='
var svg = document.querySelectorAll("svg.timeline")[arguments[1] || 0], d = svg.dataset;
var r = svg.getBoundingClientRect();
function px(unix) {
	var s = unix - +d.origin;
	return r.left + +d.x0 + (s - +d.t0) * (+d.x1 - +d.x0) / (+d.t1 - +d.t0);
}
'

test_expect_success 'every window of the JSON report is a band at its place on the axis' '
	windows=$(jq -c "[.targets | to_entries[] | .key as \$i | .value.windows[] | {i: \$i, start: .start, end: .end}]" marks.json) &&
	test "$(echo "$windows" | jq length)" = 4 &&
	js "$AXIS_JS
		var bad = [];
		arguments[0].forEach(function (w) {
			var g = svg.querySelector(\"g.target[data-target=\\\"\" + w.i + \"\\\"]\");
			var s = w.start - +d.origin, hit = null;
			g.querySelectorAll(\"rect.window\").forEach(function (b) {
				if (Math.abs(+b.dataset.start - s) < 1e-3 && Math.abs(+b.dataset.end - (w.end - +d.origin)) < 1e-3) hit = b;
			});
			if (!hit) { bad.push(\"no band for \" + JSON.stringify(w)); return; }
			var q = hit.getBoundingClientRect(), x0 = px(w.start), x1 = px(w.end);
			if (Math.abs(q.left - x0) > 1 || (x1 - x0 >= 1 && Math.abs(q.right - x1) > 1) || q.width < 0.9)
				bad.push(JSON.stringify(w) + \": band at \" + q.left + \"..\" + q.right + \", axis says \" + x0 + \"..\" + x1);
		});
		return bad;" "[$windows]" >bad.json &&
	cat bad.json && test "$(jq length bad.json)" = 0
'

test_expect_success 'every event of the JSON timeline is a mark with its text, at its time' '
	events=$(jq -c "[.timeline[] | {time, text}]" marks.json) &&
	test "$(echo "$events" | jq length)" = 13 &&
	js "$AXIS_JS
		var bad = [], marks = svg.querySelectorAll(\"g.mark\");
		arguments[0].forEach(function (e) {
			var hit = null;
			marks.forEach(function (m) {
				if (m.dataset.text === e.text && Math.abs(+m.dataset.t - (e.time - +d.origin)) < 1e-3) hit = m;
			});
			if (!hit) { bad.push(\"missing \" + JSON.stringify(e)); return; }
			var l = hit.querySelector(\"line\").getBoundingClientRect();
			if (Math.abs(l.left + l.width / 2 - px(e.time)) > 1) bad.push(\"misplaced \" + e.text);
		});
		if (marks.length !== arguments[0].length) bad.push(marks.length + \" marks drawn\");
		return bad;" "[$events]" >bad.json &&
	cat bad.json && test "$(jq length bad.json)" = 0
'

# Label boxes against each other and against every chart's plot area; each
# label's text inside its box.
OVERLAP_JS='
var boxes = [], areas = [], bad = [];
document.querySelectorAll("rect.mark-label").forEach(function (b) { boxes.push(b.getBoundingClientRect()); });
document.querySelectorAll("rect.plot-area").forEach(function (b) { areas.push(b.getBoundingClientRect()); });
function cross(a, b) {
	return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
		Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
}
for (var i = 0; i < boxes.length; i++) {
	for (var j = i + 1; j < boxes.length; j++)
		if (cross(boxes[i], boxes[j])) bad.push("labels " + i + " and " + j + " overlap");
	for (var k = 0; k < areas.length; k++)
		if (cross(boxes[i], areas[k])) bad.push("label " + i + " covers plot " + k);
}
document.querySelectorAll("text.mark-text").forEach(function (t, i) {
	var q = t.getBoundingClientRect(), b = t.previousElementSibling.getBoundingClientRect();
	if (q.left < b.left - 1 || q.right > b.right + 1) bad.push("text " + i + " outside its box");
});
return {labels: boxes.length, areas: areas.length, bad: bad};
'

test_expect_success 'thirteen events in ten seconds: labelled, no label over another or the data' '
	js "$OVERLAP_JS" >overlap.json &&
	cat overlap.json &&
	test "$(jq ".bad | length" overlap.json)" = 0 &&
	test "$(jq .labels overlap.json)" = 13 &&
	test "$(jq .areas overlap.json)" = 4
'

test_expect_success 'hovering a second shows its counts, those of the JSON series' '
	series=$(jq -c ".targets[0].series" marks.json) &&
	js "
		var s = arguments[0], names = [\"ok\", \"http\", \"connect\", \"timeout\", \"reset\", \"other\", \"skipped\", \"late\"];
		var slot = document.querySelector(\"g.target[data-target=\\\"0\\\"] g.slot[data-connect]\");
		var i = +slot.dataset.i, hit = slot.querySelector(\"rect.hit\").getBoundingClientRect();
		slot.querySelector(\"rect.hit\").dispatchEvent(new MouseEvent(\"mouseover\",
			{bubbles: true, clientX: hit.left + 1, clientY: hit.top + 5}));
		var tip = document.getElementById(\"tip\"), bad = [];
		if (tip.hidden) bad.push(\"no tooltip\");
		names.forEach(function (n) {
			var want = s[n][i], shown = slot.dataset[n] === undefined ? 0 : +slot.dataset[n];
			if (shown !== want) bad.push(n + \": data \" + shown + \", JSON \" + want);
			if (want > 0 && tip.textContent.indexOf(n + \" \" + want) < 0) bad.push(n + \" \" + want + \" not in \" + tip.textContent);
		});
		return {i: i, tip: tip.textContent, bad: bad};" "[$series]" >hover.json &&
	cat hover.json &&
	test "$(jq ".bad | length" hover.json)" = 0 &&
	jq -e ".tip | test(\"connect [0-9]+\")" hover.json
'

test_expect_success 'a screenshot is kept for people to look at' '
	h=$(js "return Math.ceil(document.documentElement.scrollHeight)") &&
	wd POST /window/rect "{\"width\": 1280, \"height\": $h}" >/dev/null &&
	wd GET /screenshot | jq -er .value | base64 -d >html-report.png &&
	test "$(head -c 8 html-report.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
	echo "# screenshot: $TEST_DIR/html-report.png (kept with -d)" &&
	if [ -n "${PB_UPDATE_SCREENSHOT:-}" ]; then cp html-report.png "$PB_SRC/docs/html-report.png"; fi &&
	wd POST /window/rect "{\"width\": 1280, \"height\": 1000}" >/dev/null
'

test_expect_success 'hostile text from a log is text: no script runs, the DOM holds it as written' '
	h_name=$(jq -c ".targets[0].name" hostile.json) &&
	h_mark=$(jq -c ".timeline[0].text" hostile.json) &&
	h_url=$(jq -c ".targets[0].url" hostile.json) &&
	h_version=$(jq -c ".targets[0].versions.seen[0].version" hostile.json) &&
	console >/dev/null &&
	open_page "$TEST_DIR/hostile.html" &&
	wd GET /alert/text | jq -e ".value.error == \"no such alert\"" &&
	js "
		var bad = [], a = arguments;
		if (document.querySelectorAll(\"script\").length !== 1) bad.push(\"scripts\");
		if (document.querySelectorAll(\"img, b, svg.timeline script\").length) bad.push(\"elements from the log\");
		if (document.querySelector(\"g.target\").dataset.name !== a[0]) bad.push(\"data-name\");
		if (document.querySelector(\"table.targets td\").textContent !== a[0]) bad.push(\"table cell\");
		if (document.querySelector(\"table.targets td + td\").textContent !== a[2]) bad.push(\"url cell\");
		if (document.querySelector(\"g.mark\").dataset.text !== a[1]) bad.push(\"mark\");
		if (document.querySelector(\"g.mark-box title\").textContent !== a[1]) bad.push(\"mark title\");
		if (document.querySelector(\"table.versions td + td\").textContent.trim() !== a[3]) bad.push(\"version\");
		return bad;" "[$h_name, $h_mark, $h_url, $h_version]" >bad.json &&
	cat bad.json && test "$(jq length bad.json)" = 0 &&
	console >console.txt && ! grep -E "^(SEVERE|WARNING) " console.txt
'

test_expect_success 'several runs: a section each, each with its timeline' '
	open_page "$TEST_DIR/runs.html" &&
	test "$(jq ".runs | length" runs.json)" = 2 &&
	test "$(js "return document.querySelectorAll(\"section.run\").length")" = 2 &&
	test "$(js "return document.querySelectorAll(\"section.run svg.timeline\").length")" = 2 &&
	test "$(js "return document.querySelectorAll(\"[id]\").length === new Set([].map.call(document.querySelectorAll(\"[id]\"), function (e) { return e.id; })).size")" = true &&
	test "$(js "return document.querySelector(\"#run-2 g.mark\").dataset.text")" = "\"second scenario\"" &&
	js "$OVERLAP_JS" >overlap.json && test "$(jq ".bad | length" overlap.json)" = 0
'

test_expect_success 'zoom: + doubles one run'\''s timeline, reset restores it, no error' '
	console >/dev/null &&
	js "
		var svg = document.getElementById(\"timeline-2\"), w = +svg.getAttribute(\"width\");
		var z = document.querySelector(\".zoom[data-for=\\\"timeline-2\\\"]\");
		z.querySelector(\"button[data-k=\\\"2\\\"]\").click();
		var wide = +svg.getAttribute(\"width\"), other = +document.getElementById(\"timeline-1\").getAttribute(\"width\");
		z.querySelector(\"button[data-k=\\\"0\\\"]\").click();
		return [w, wide, other, +svg.getAttribute(\"width\")];" >zoom.json &&
	cat zoom.json && jq -e ".[1] == 2 * .[0] and .[2] == .[0] and .[3] == .[0]" zoom.json &&
	console >console.txt && ! grep -E "^(SEVERE|WARNING) " console.txt
'

test_expect_success 'the database lane and versions: drawn, labels clear of each other' '
	open_page "$TEST_DIR/db.html" &&
	test "$(js "return document.querySelectorAll(\"g.database rect.db-lock\").length > 0")" = true &&
	test "$(js "return document.querySelectorAll(\"g.schema\").length > 0")" = true &&
	test "$(js "return document.querySelectorAll(\"rect.version\").length >= 2 && document.querySelectorAll(\"rect.mixed\").length === 1")" = true &&
	js "$OVERLAP_JS" >overlap.json && cat overlap.json && test "$(jq ".bad | length" overlap.json)" = 0 &&
	console >console.txt && ! grep -E "^(SEVERE|WARNING) " console.txt
'

test_expect_success 'with scripts off the page reads the same: the SVG and tables are in the HTML' '
	wd POST /goog/cdp/execute "{\"cmd\": \"Emulation.setScriptExecutionDisabled\", \"params\": {\"value\": true}}" >/dev/null &&
	open_page "$TEST_DIR/marks.html" &&
	js "return document.documentElement.className" >class.json &&
	js "
		var r = document.querySelector(\"svg.timeline\").getBoundingClientRect();
		return {h: r.height, bands: document.querySelectorAll(\"svg.timeline rect.window\").length,
			slots: document.querySelectorAll(\"g.slot title\").length,
			rows: document.querySelectorAll(\"table.windows tr\").length,
			peers: document.querySelectorAll(\"table.by-peer tr\").length};" >nojs.json &&
	wd POST /goog/cdp/execute "{\"cmd\": \"Emulation.setScriptExecutionDisabled\", \"params\": {\"value\": false}}" >/dev/null &&
	cat class.json nojs.json &&
	! grep -q js class.json &&
	jq -e ".h > 300 and .bands == 4 and .slots > 10 and .rows == 5 and .peers > 1" nojs.json
'

browser_stop
test_done
