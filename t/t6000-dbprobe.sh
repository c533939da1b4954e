#!/bin/bash
# The database probe against a real PostgreSQL: an outage, a lock wait and a
# migration that the test injects at known times, each found on the log's
# timeline within one interval; errors named by the server's SQLSTATE.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
IVL_US=100000
TOL_US=$((IVL_US + 50000))
PG=$TEST_DIR/pg
pgport=$(free_port)
ngport=$(free_port)
now_us() { date +%s%6N; }

test_expect_success 'setup: PostgreSQL with an alembic_version table, and nginx' '
	test_pg_alembic "$PG" $pgport &&
	ci=$(svc_pg_conninfo "$PG" $pgport) &&
	svc_nginx_start "$TEST_DIR/ng" $ngport
'

test_expect_success 'a database outage: HTTP goes on, the unreachable window matches it' '
	"$PB" -q --db "$ci" --rate 100 --duration 5s -o down.log http://127.0.0.1:$ngport/ &
	pb=$! && sleep 1.5 &&
	down_from=$(now_us) && svc_pg_stop "$PG" && down_to=$(now_us) && sleep 1 &&
	up_from=$(now_us) && svc_pg_start "$PG" $pgport && up_to=$(now_us) &&
	wait $pb &&
	"$LOGCAT" -f req:outcome,time,target,request_id down.log >reqs &&
	awk -F"\t" "\$1 != 200" reqs >bad && test_must_be_empty bad &&
	test "$(wc -l <reqs)" -eq 500 &&
	"$LOGCAT" -f db:probe,time,outcome down.log >db &&
	awk -F"\t" "\$1==\"query\" { print \$2, \$3 }" db >q &&
	first_down=$(awk "\$2 != \"ok\" { print \$1; exit }" q) &&
	back=$(awk "\$2 != \"ok\" { d = 1 } d && \$2 == \"ok\" { print \$1; exit }" q) &&
	test "$first_down" -ge $((down_from - TOL_US)) && test "$first_down" -le $((down_to + TOL_US)) &&
	test "$back" -ge $((up_from - TOL_US)) && test "$back" -le $((up_to + TOL_US)) &&
	awk -v a="$first_down" -v b="$back" "\$1 > a && \$1 < b && \$2 == \"ok\"" q >bad &&
	test_must_be_empty bad
'

test_expect_success 'a lock held 1 s: the wait, its relation and the mode, within an interval' '
	"$PB" -q --db "$ci" --duration 3s -o lock.log &
	pb=$! && test_wait_for 10 pg_prober_connected "$ci" && sleep 0.3 &&
	{ psql "$ci" -qc "BEGIN; LOCK TABLE helpingmaterial IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT" >/dev/null & holder=$!; } &&
	sleep 0.2 &&
	psql "$ci" -qAt -c "$SQL_NOW_US" -c "SELECT count(*) FROM helpingmaterial" -c "$SQL_NOW_US" >waited &&
	wait_from=$(sed -n 1p waited) && wait_to=$(sed -n 3p waited) &&
	wait $holder && wait $pb &&
	"$LOGCAT" -f db-locks:time,waiting,longest_us,relation,mode lock.log >locks &&
	first=$(awk -F"\t" "\$2 > 0 { print \$1; exit }" locks) &&
	cleared=$(awk -F"\t" "\$2 == 0 { print \$1; exit }" locks) &&
	test "$first" -ge $((wait_from - TOL_US)) && test "$first" -le $((wait_from + TOL_US)) &&
	test "$cleared" -ge $((wait_to - TOL_US)) && test "$cleared" -le $((wait_to + TOL_US)) &&
	awk -F"\t" "\$2 > 0 && (\$4 != \"helpingmaterial\" || \$5 != \"AccessExclusiveLock\")" locks >bad &&
	test_must_be_empty bad &&
	longest=$(awk -F"\t" "\$2 > 0 { m = \$3 } END { print m }" locks) &&
	test "$longest" -ge $((wait_to - wait_from - TOL_US))
'

test_expect_success 'a migration at a known time: the schema change, within an interval' '
	"$PB" -q --db "$ci" --duration 2s -o schema.log &
	pb=$! && test_wait_for 10 pg_prober_connected "$ci" && sleep 0.5 &&
	# the commit lies between the two readings of the server'"'"'s clock
	psql "$ci" -qAt -c "$SQL_NOW_US" -c "UPDATE alembic_version SET version_num = '"'"'8fe68fbf6baa'"'"'" \
		-c "$SQL_NOW_US" >committed &&
	t_from=$(sed -n 1p committed) && t_to=$(sed -n 2p committed) &&
	wait $pb &&
	"$LOGCAT" -f db-schema:time,value schema.log >schema &&
	test "$(wc -l <schema)" -eq 2 &&
	head -n 1 schema | grep -q "	52209719b79e$" &&
	changed=$(awk "NR==2 && \$2==\"8fe68fbf6baa\" { print \$1 }" schema) &&
	test "$changed" -ge $((t_from - TOL_US)) && test "$changed" -le $((t_to + TOL_US))
'

test_expect_success 'a database refusing sessions: every sample a real attempt, recovery within an interval' '
	svc_pg_psql "$PG" $pgport "CREATE DATABASE probed" >/dev/null &&
	"$PB" -q --db "$ci dbname=probed" --db-schema-query "SELECT 1" --duration 4s -o refused.log &
	pb=$! && sleep 1 &&
	svc_pg_psql "$PG" $pgport "ALTER DATABASE probed ALLOW_CONNECTIONS false" \
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '"'"'probed'"'"'" >/dev/null &&
	sleep 1.5 &&
	up_from=$(now_us) &&
	svc_pg_psql "$PG" $pgport "ALTER DATABASE probed ALLOW_CONNECTIONS true" >/dev/null &&
	up_to=$(now_us) &&
	wait $pb &&
	"$LOGCAT" -f db:probe,time,outcome,latency_us,sqlstate refused.log |
		awk -F"\t" "\$1==\"query\" { print \$2, \$3, \$4, \$5 }" >q &&
	grep -q " down [0-9]* 55000$" q &&
	back=$(awk "\$2 != \"ok\" { d = 1 } d && \$2 == \"ok\" { print \$1; exit }" q) &&
	test "$back" -ge $((up_from - TOL_US)) && test "$back" -le $((up_to + TOL_US)) &&
	# a refused attempt takes a round trip: no sample written without one
	awk "\$2 == \"down\" && \$3 < 50" q >instant &&
	test_must_be_empty instant
'

test_expect_success 'a lock on the schema table past statement_timeout: an error (57014), not unreachable' '
	"$PB" -q --db "$ci" --db-timeout 300ms --duration 3s -o blocked.log &
	pb=$! && sleep 0.5 &&
	psql "$ci" -qc "BEGIN; LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.2); COMMIT" >/dev/null &&
	wait $pb &&
	"$LOGCAT" -f db:probe,outcome,sqlstate blocked.log |
		awk -F"\t" "\$1==\"query\" && \$2 != \"ok\" { print \$2, \$3 }" | sort | uniq -c >bad &&
	test "$(awk "\$2 == \"error\" && \$3 == \"57014\" { print \$1 }" bad)" -ge 2 &&
	test -z "$(awk "\$2 == \"down\" || \$2 == \"timeout\"" bad)" &&
	"$REPORT" --max-db-down 100ms blocked.log >out &&
	grep -q "^PASS" out
'

test_expect_success 'max_connections exhausted: fresh connections fail with 53300' '
	svc_pg_psql "$PG" $pgport "ALTER SYSTEM SET max_connections = 6" >/dev/null &&
	svc_pg_restart "$PG" $pgport &&
	"$PB" -q --db "$ci" --db-connect-interval 200ms --duration 3s -o full.log &
	pb=$! &&
	# the hogs come once the prober holds its connection (a slow start,
	# under ASan on a loaded machine, let them take every slot first)
	test_wait_for 10 pg_prober_connected "$ci" &&
	# six hogs for the five free slots, each trying again until it holds
	# one: a hog refused while another connection still held its slot (the
	# check above closing, a fresh probe of the prober) would leave a slot
	# free for the whole window, and no fresh probe would be refused; one
	# gcc run of twelve failed here without its logs, this is the suspect
	hogs= &&
	for i in 1 2 3 4 5 6; do
		{
			timeout 10 sh -c "until psql \"\$1\" -qc \"SELECT pg_sleep(1.5)\" >/dev/null 2>&1; do sleep 0.05; done" _ "$ci" &
			hogs="$hogs $!"
		}
	done &&
	wait $pb && { wait $hogs || :; } &&
	"$LOGCAT" -f db:probe,outcome,sqlstate,message full.log |
		awk -F"\t" "\$1==\"connect\" && \$2==\"down\" { print \$3, \$4 }" >full &&
	grep -q "^53300 sorry, too many clients already" full &&
	"$LOGCAT" -f db:probe,outcome full.log | awk -F"\t" "\$1==\"query\" && \$2==\"ok\"" | wc -l >n &&
	test "$(cat n)" -ge 25 &&
	svc_pg_psql "$PG" $pgport "ALTER SYSTEM RESET max_connections" >/dev/null &&
	svc_pg_restart "$PG" $pgport
'

test_expect_success 'a missing table or a bad query: its SQLSTATE, and probing goes on' '
	"$PB" -q --db "$ci" --db-schema-query "SELECT v FROM nosuchtable" --duration 500ms -o missing.log &&
	"$LOGCAT" -f db:probe,outcome,sqlstate missing.log |
		awk -F"\t" "\$1==\"query\" { print \$2, \$3 }" | sort | uniq -c >out &&
	test "$(awk "\$2==\"error\" && \$3==\"42P01\" { print \$1 }" out)" -ge 4 &&
	"$PB" -q --db "$ci" --db-schema-query "SELEKT 1" --duration 300ms -o syntax.log &&
	"$LOGCAT" -f db:time,probe,outcome,latency_us,sqlstate,message syntax.log |
		grep -q "^[0-9]*	query	error	[0-9]*	42601	syntax error"
'

test_expect_success 'a database that does not exist: 3D000 on every probe, no crash' '
	"$PB" -q --db "$ci dbname=nosuchdb" --duration 500ms -o nodb.log &&
	"$LOGCAT" -f db:outcome,sqlstate nodb.log | awk -F"\t" "\$1==\"down\" && \$2==\"3D000\"" | wc -l >n &&
	test "$(cat n)" -ge 3
'

test_expect_success 'the password never reaches the log or the terminal' '
	"$PB" --db "$ci password=sekrit-pw" --duration 300ms -o pw.log 2>pw.err &&
	"$PB" --db "postgresql://postgres:sekrit-uri@127.0.0.1:$pgport/postgres" --duration 300ms \
		-o pw2.log 2>>pw.err &&
	! grep -q sekrit pw.log pw2.log pw.err &&
	grep -q "password=<redacted>" pw.log
'

test_done
