#!/bin/bash
# The lab's stand-in PyBossa (lab/pybossa-standin) against a real PostgreSQL:
# what each release serves, 2.8.0 breaking on the 2.7 schema and working after
# the migration, the startup delay, the SIGTERM drain, and a database that
# goes away and comes back.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

STANDIN=$PB_BUILD/lab/pybossa-standin
SQL=$PB_SRC/lab/sql
PG=$TEST_DIR/pg
if [ ! -x "$STANDIN" ]; then
	echo "Bail out! $STANDIN is not built (make lab/pybossa-standin)"
	exit 1
fi
pgport=$(free_port)
if ! svc_pg_start "$PG" "$pgport"; then
	echo "Bail out! PostgreSQL did not start in $PG"
	exit 1
fi
DB=$(svc_pg_conninfo "$PG" "$pgport")

declare -A PID URL

psql_() { svc_pg_psql "$PG" "$pgport" "$@"; }

# standin_spawn NAME VERSION [OPTION...]: one instance in the background, on
# a port it picks; pid in PID[NAME], stdout NAME.out, stderr NAME.err.
standin_spawn() {
	local name=$1 version=$2
	shift 2
	"$STANDIN" --app-version "$version" --listen 127.0.0.1:0 --db "$DB" "$@" \
		>"$name.out" 2>"$name.err" &
	PID[$name]=$!
	svc_track_pid $!
}

# standin_ready NAME: waits for its "ready PORT" line; URL[NAME] from it.
standin_ready() {
	local name=$1 word port i
	for ((i = 0; i < 200; i++)); do
		if read -r word port <"$name.out" 2>/dev/null && [ "$word" = ready ]; then
			URL[$name]=http://127.0.0.1:$port
			return 0
		fi
		kill -0 "${PID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "$name: no \"ready\" line; stderr: $(tail -n 3 "$name.err")" >&2
	return 1
}

# get URL [CURL_OPTION...]: prints the status; body in body.out, headers in
# head.out. -m 5: an answer that takes longer is a hang, and a failure.
get() {
	curl -sS -m 5 -o body.out -D head.out -w '%{http_code}' "$@"
}

header() {
	tr -d '\r' <head.out | sed -n "s/^$1: *//Ip"
}

ids() {
	jq -c 'map(.id)' body.out
}

# refused URL: the connection itself is refused (curl exit 7), not answered.
refused() {
	local rc=0
	curl -s -m 2 -o /dev/null "$1" || rc=$?
	[ "$rc" = 7 ]
}

test_ok_200() {
	test "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$1")" = 200
}

# lock_hm SECS: holds the ACCESS EXCLUSIVE lock that the migration's ALTER
# TABLE takes on helpingmaterial, for SECS, so requests wait in the database.
lock_hm() {
	psql_ "BEGIN; LOCK TABLE helpingmaterial IN ACCESS EXCLUSIVE MODE;
	       SELECT pg_sleep($1); COMMIT" >/dev/null &
	locker=$!
	test_wait_for 5 test_lock_held
}
test_lock_held() {
	test "$(psql_ "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	               WHERE c.relname = 'helpingmaterial' AND l.mode = 'AccessExclusiveLock'
	               AND l.granted")" = 1
}
# How many of the stand-ins' queries wait for a lock right now.
test_waiting_queries() {
	test "$(psql_ "SELECT count(*) FROM pg_stat_activity
	               WHERE application_name LIKE 'pybossa-standin/%'
	               AND wait_event_type = 'Lock'")" = "$1"
}

# bg_get NAME URL: a request in the background; status in NAME.code.
bg_get() {
	curl -s -m 10 -o "$1.body" -w '%{http_code}' "$2" >"$1.code" &
	PID[$1]=$!
}

alembic() {
	psql_ "SELECT version_num FROM alembic_version"
}

now_ms() { date +%s%3N; }

test_expect_success 'setup: the 2.7 schema at 52209719b79e, seed data, one instance per release' '
	psql_ "\i $SQL/schema.sql" "\i $SQL/seed.sql" &&
	test "$(alembic)" = 52209719b79e &&
	standin_spawn 2.7.1 2.7.1 --access-log access.log &&
	standin_spawn 2.7.2 2.7.2 &&
	standin_spawn 2.8.0 2.8.0 &&
	standin_ready 2.7.1 && standin_ready 2.7.2 && standin_ready 2.8.0
'

test_expect_success 'every release answers / with 200 text/html and its X-App-Version' '
	for v in 2.7.1 2.7.2 2.8.0; do
		test "$(get "${URL[$v]}/")" = 200 &&
		header Content-Type | grep -q "^text/html" &&
		test "$(header X-App-Version)" = $v &&
		grep -q "<li><a href=\"/project/sample/\">Sample Project</a>" body.out &&
		! grep -q draft body.out || return 1
	done
'

test_expect_success 'every release answers / with JSON when the request is JSON' '
	for v in 2.7.1 2.7.2 2.8.0; do
		test "$(get "${URL[$v]}/" -H "Content-Type: application/json")" = 200 &&
		header Content-Type | grep -q "^application/json" &&
		test "$(header X-App-Version)" = $v &&
		jq -e ".template == \"/home/index.html\" and (.projects | map(.short_name)) == [\"sample\"]" \
			body.out >/dev/null || return 1
	done
'

test_expect_success '2.7.x list the helping material of published projects only' '
	for v in 2.7.1 2.7.2; do
		test "$(get "${URL[$v]}/api/helpingmaterial")" = 200 &&
		header Content-Type | grep -q "^application/json" &&
		test "$(header X-App-Version)" = $v &&
		test "$(ids)" = "[1,2,4,6,7]" &&
		jq -e --arg u "${URL[$v]}" "all(.project_id == 1) and
			(.[0] | keys) == [\"created\",\"id\",\"info\",\"link\",\"links\",\"media_url\",\"project_id\"] and
			.[0].created == \"2018-04-01T08:00:00.123456\" and
			.[0].info == {title: \"How to classify\"} and .[0].media_url == null and
			.[1].media_url == \"https://example.org/media/ears.png\" and
			.[2].info.quote == \"say \\\"meow\\\"\" and
			.[0].link == \"<link rel=\u0027self\u0027 title=\u0027helpingmaterial\u0027 href=\u0027\(\$u)/api/helpingmaterial/1\u0027/>\" and
			.[0].links == [\"<link rel=\u0027parent\u0027 title=\u0027project\u0027 href=\u0027\(\$u)/api/project/1\u0027/>\"]" \
			body.out >/dev/null || return 1
	done
'

test_expect_success 'limit, offset, orderby and desc are honoured' '
	u=${URL[2.7.2]}/api/helpingmaterial &&
	get "$u?limit=2" >/dev/null && test "$(ids)" = "[1,2]" &&
	get "$u?limit=2&offset=2" >/dev/null && test "$(ids)" = "[4,6]" &&
	get "$u?offset=4" >/dev/null && test "$(ids)" = "[7]" &&
	get "$u?orderby=created&desc=true" >/dev/null && test "$(ids)" = "[7,6,4,2,1]" &&
	get "$u?orderby=id&limit=1" >/dev/null && test "$(ids)" = "[1]"
'

test_expect_success 'limit defaults to 20 and is capped at 100' '
	psql_ "INSERT INTO helpingmaterial (project_id) SELECT 1 FROM generate_series(1, 150)" &&
	u=${URL[2.7.1]}/api/helpingmaterial &&
	{
		get "$u" >/dev/null && test "$(jq length body.out)" = 20 &&
		get "$u?limit=100" >/dev/null && test "$(jq length body.out)" = 100 &&
		get "$u?limit=150" >/dev/null && test "$(jq length body.out)" = 100 &&
		get "$u?limit=1000&offset=150" >/dev/null && test "$(jq length body.out)" = 5 &&
		get "$u?limit=abc" >/dev/null && test "$(jq length body.out)" = 20
		ok=$?
		# later tests expect the seed rows only, whatever happened above
		psql_ "DELETE FROM helpingmaterial WHERE id > 7" && test $ok = 0
	}
'

test_expect_success 'bad paging and ordering get PyBossa errors: 415 DataError, 415 AttributeError' '
	u=${URL[2.7.2]}/api/helpingmaterial &&
	test "$(get "$u?limit=-1")" = 415 &&
	jq -e ".exception_cls == \"DataError\" and (.exception_msg | test(\"LIMIT must not be negative\"))" body.out >/dev/null &&
	test "$(get "$u?orderby=priority")" = 415 &&
	jq -e ".exception_cls == \"AttributeError\" and (.exception_msg | test(\"has no attribute .priority.\"))" body.out >/dev/null
'

test_expect_success 'the access log has one line per request with status and X-Request-ID' '
	test "$(get "${URL[2.7.1]}/api/helpingmaterial?limit=1" -H "X-Request-ID: t5000-abc")" = 200 &&
	grep -E "^20[0-9-]{8}T[0-9:.]{15}Z status=200 dur_us=[0-9]+ method=GET uri=/api/helpingmaterial\?limit=1 request_id=t5000-abc\$" access.log
'

test_expect_success '2.8.0 on the 2.7 schema: /api/helpingmaterial is a 500 naming priority' '
	test "$(get "${URL[2.8.0]}/api/helpingmaterial")" = 500 &&
	header Content-Type | grep -q "^application/json" &&
	test "$(header X-App-Version)" = 2.8.0 &&
	jq -e "keys == [\"action\",\"exception_cls\",\"exception_msg\",\"status\",\"status_code\",\"target\"] and
		.action == \"GET\" and .status == \"failed\" and .status_code == 500 and
		.target == \"helpingmaterial\" and .exception_cls == \"ProgrammingError\" and
		(.exception_msg | startswith(\"(psycopg2.ProgrammingError) column helpingmaterial.priority does not exist\"))" \
		body.out >/dev/null
'

test_expect_success '2.8.0 on the 2.7 schema: / is still 200' '
	test "$(get "${URL[2.8.0]}/")" = 200 &&
	test "$(header X-App-Version)" = 2.8.0
'

test_expect_success 'the migration adds a nullable priority and moves alembic to 8fe68fbf6baa' '
	psql_ "\i $SQL/migrate-8fe68fbf6baa.sql" &&
	test "$(alembic)" = 8fe68fbf6baa &&
	test "$(psql_ "SELECT data_type, is_nullable, column_default IS NULL
	               FROM information_schema.columns
	               WHERE table_name = '\''helpingmaterial'\'' AND column_name = '\''priority'\''")" = "double precision|YES|t" &&
	test "$(psql_ "SELECT count(*) FROM helpingmaterial WHERE priority IS NOT NULL")" = 0
'

test_expect_success 'after the migration 2.8.0 answers 200 with priority null' '
	test "$(get "${URL[2.8.0]}/api/helpingmaterial")" = 200 &&
	test "$(ids)" = "[1,2,4,6,7]" &&
	jq -e "all(has(\"priority\") and .priority == null)" body.out >/dev/null &&
	psql_ "UPDATE helpingmaterial SET priority = 0.5 WHERE id = 2" &&
	get "${URL[2.8.0]}/api/helpingmaterial?orderby=priority&limit=1&desc=false" >/dev/null &&
	jq -e ".[0].id == 2 and .[0].priority == 0.5" body.out >/dev/null
'

test_expect_success 'after the migration 2.7.1 and 2.7.2 still answer 200, without priority' '
	for v in 2.7.1 2.7.2; do
		test "$(get "${URL[$v]}/api/helpingmaterial")" = 200 &&
		test "$(ids)" = "[1,2,4,6,7]" &&
		jq -e "all(has(\"priority\") | not)" body.out >/dev/null || return 1
	done
'

test_expect_success 'the migration refuses to run twice and changes nothing' '
	test_must_fail psql_ "\i $SQL/migrate-8fe68fbf6baa.sql" 2>migrate.err &&
	grep -q "not migrating" migrate.err &&
	test "$(alembic)" = 8fe68fbf6baa &&
	test "$(psql_ "SELECT count(*) FROM information_schema.columns
	               WHERE table_name = '\''helpingmaterial'\'' AND column_name = '\''priority'\''")" = 1
'

test_expect_success 'the downgrade drops priority and returns to 52209719b79e; 2.8.0 fails again' '
	psql_ "\i $SQL/downgrade-8fe68fbf6baa.sql" &&
	test "$(alembic)" = 52209719b79e &&
	test "$(psql_ "SELECT count(*) FROM information_schema.columns
	               WHERE table_name = '\''helpingmaterial'\'' AND column_name = '\''priority'\''")" = 0 &&
	test "$(get "${URL[2.8.0]}/api/helpingmaterial")" = 500 &&
	test "$(get "${URL[2.7.2]}/api/helpingmaterial")" = 200 &&
	test_must_fail psql_ "\i $SQL/downgrade-8fe68fbf6baa.sql" 2>downgrade.err &&
	grep -q "nothing to downgrade" downgrade.err
'

test_expect_success 'database stopped: 503 JSON errors at once; started: 200 again, same processes' '
	svc_pg_stop "$PG" &&
	t0=$(now_ms) &&
	test "$(get "${URL[2.7.2]}/api/helpingmaterial")" = 503 &&
	test $(($(now_ms) - t0)) -lt 1000 &&
	test "$(header X-App-Version)" = 2.7.2 &&
	jq -e ".status_code == 503 and .target == \"helpingmaterial\" and
		.exception_cls == \"OperationalError\"" body.out >/dev/null &&
	test "$(get "${URL[2.7.2]}/")" = 503 &&
	jq -e ".exception_cls == \"OperationalError\"" body.out >/dev/null &&
	test "$(get "${URL[2.8.0]}/")" = 503 &&
	svc_pg_start "$PG" "$pgport" &&
	test_wait_for 3 test_ok_200 "${URL[2.7.2]}/api/helpingmaterial" &&
	test_wait_for 3 test_ok_200 "${URL[2.8.0]}/" &&
	test_wait_for 3 test_ok_200 "${URL[2.7.1]}/" &&
	kill -0 ${PID[2.7.1]} ${PID[2.7.2]} ${PID[2.8.0]}
'
test_expect_success 'a database that does not answer within --query-timeout is a 503, not a hang' '
	standin_spawn qt 2.7.2 --startup-delay 0 --query-timeout 500ms && standin_ready qt &&
	lock_hm 2 &&
	t0=$(now_ms) &&
	test "$(get "${URL[qt]}/api/helpingmaterial")" = 503 &&
	test $(($(now_ms) - t0)) -lt 1500 &&
	jq -e ".exception_msg | test(\"no answer from the database within 500ms\")" body.out >/dev/null &&
	test "$(get "${URL[qt]}/")" = 200 &&
	wait $locker
'

test_expect_success 'the port stays closed until --startup-delay has passed' '
	port=$(free_port) &&
	t0=$(now_ms) &&
	standin_spawn late 2.7.2 --listen 127.0.0.1:$port --startup-delay 1s &&
	sleep 0.1 &&
	refused http://127.0.0.1:$port/ &&
	standin_ready late &&
	test "${URL[late]}" = http://127.0.0.1:$port &&
	test $(($(now_ms) - t0)) -ge 1000 &&
	test "$(get "${URL[late]}/")" = 200 &&
	kill -TERM ${PID[late]} && wait ${PID[late]}
'

test_expect_success 'SIGTERM: the request in flight completes, new connections are refused, exit 0' '
	standin_spawn drain 2.7.2 --startup-delay 0 && standin_ready drain &&
	lock_hm 2 &&
	bg_get slow "${URL[drain]}/api/helpingmaterial" &&
	test_wait_for 5 test_waiting_queries 1 &&
	kill -TERM ${PID[drain]} &&
	test_wait_for 2 refused "${URL[drain]}/" &&
	test ! -s slow.code &&
	wait ${PID[slow]} &&
	test "$(cat slow.code)" = 200 &&
	jq -e "map(.id) == [1,2,4,6,7]" slow.body >/dev/null &&
	wait ${PID[drain]} &&
	grep -q "draining 1 requests in flight" drain.err &&
	wait $locker
'

test_expect_success 'SIGTERM with a request stuck past --drain-timeout: exit 3' '
	standin_spawn cut 2.7.2 --startup-delay 0 --drain-timeout 300ms && standin_ready cut &&
	lock_hm 2 &&
	bg_get stuck "${URL[cut]}/api/helpingmaterial" &&
	test_wait_for 5 test_waiting_queries 1 &&
	kill -TERM ${PID[cut]} &&
	rc=0 && { wait ${PID[cut]} || rc=$?; } &&
	test $rc = 3 &&
	grep -q "drain timeout: 1 requests still in flight" cut.err &&
	{ wait ${PID[stuck]} || :; } &&
	test "$(cat stuck.code)" != 200 &&
	wait $locker
'

test_expect_success 'SIGTERM before the port is open: exit 0 at once' '
	standin_spawn early 2.8.0 --startup-delay 10s &&
	sleep 0.2 &&
	kill -TERM ${PID[early]} &&
	wait ${PID[early]} &&
	test ! -s early.out
'

test_expect_success '--on-sigterm exit: a request in flight is cut, the process dies by SIGTERM at once' '
	standin_spawn die 2.7.2 --startup-delay 0 --on-sigterm exit && standin_ready die &&
	lock_hm 2 &&
	bg_get cutoff "${URL[die]}/api/helpingmaterial" &&
	test_wait_for 5 test_waiting_queries 1 &&
	kill -TERM ${PID[die]} &&
	rc=0 && wait ${PID[die]} || rc=$? &&
	test "$rc" = 143 &&
	{ wait ${PID[cutoff]} || :; } && test "$(cat cutoff.code)" = 000 &&
	refused "${URL[die]}/" &&
	grep -q "exiting at once (--on-sigterm exit)" die.err &&
	wait $locker
'

test_expect_success '--on-sigterm ignore: SIGTERM changes nothing; SIGKILL ends it' '
	standin_spawn deaf 2.7.2 --startup-delay 0 --on-sigterm ignore && standin_ready deaf &&
	kill -TERM ${PID[deaf]} &&
	test_wait_for 2 grep -q "ignored (--on-sigterm ignore)" deaf.err &&
	test "$(get "${URL[deaf]}/")" = 200 &&
	kill -TERM ${PID[deaf]} && sleep 0.2 &&
	test "$(get "${URL[deaf]}/api/helpingmaterial")" = 200 &&
	kill -KILL ${PID[deaf]} &&
	rc=0 && wait ${PID[deaf]} || rc=$? &&
	test "$rc" = 137
'

# usage_error EXPECT ARG...: exit 2, one line on stderr containing EXPECT.
usage_error() {
	local expect=$1 rc=0
	shift
	"$STANDIN" "$@" >/dev/null 2>usage.err || rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <usage.err)" = 1 ] && grep -qF -- "$expect" usage.err
}

test_expect_success 'usage errors exit 2 with one line naming the problem' '
	usage_error "--app-version is required" &&
	usage_error "unknown --app-version \"3.0\"" --app-version 3.0 &&
	usage_error "bad --pool \"0\"" --app-version 2.8.0 --pool 0 &&
	usage_error "bad --listen \"nowhere\"" --app-version 2.8.0 --listen nowhere &&
	usage_error "bad --startup-delay" --app-version 2.8.0 --startup-delay 5parsecs &&
	usage_error "unknown option --bogus" --app-version 2.8.0 --bogus &&
	usage_error "bad --on-sigterm \"stop\": drain, ignore or exit" --app-version 2.8.0 --on-sigterm stop &&
	"$STANDIN" --help | grep -q -- "--drain-timeout DUR"
'

test_expect_success 'a port already taken: exit 1, naming the address' '
	port=${URL[2.7.2]##*:} &&
	rc=0 &&
	{ "$STANDIN" --app-version 2.7.2 --listen 127.0.0.1:$port --db "$DB" --startup-delay 0 \
		>taken.out 2>taken.err || rc=$?; } &&
	test $rc = 1 &&
	grep -q "cannot listen on 127.0.0.1:$port" taken.err &&
	test ! -s taken.out
'

test_done
