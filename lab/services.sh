# shellcheck shell=bash
# lab/services.sh: the one place that starts and stops private, real servers
# (nginx, haproxy, PostgreSQL) on 127.0.0.1, each in a directory of its own.
# Sourced by t/lib.sh and by the lab scripts; needs bash 4.3+ and works under
# `set -eu`. This header is the API: names and arguments are a contract.
#
# Every function returns 0, or non-zero with one line on stderr saying why.
# Every server started is recorded, so svc_stop_all (from a trap) stops all
# of them, even if they were started in a subshell.
#
# Ports
#   svc_free_port             print a free 127.0.0.1 TCP port, below the
#                             kernel's ephemeral range and reserved for this
#                             shell (in /tmp/pbprobe-ports) until svc_stop_all,
#                             so parallel test scripts never pick the same one
#   svc_wait_port PORT [SECS] wait until 127.0.0.1:PORT accepts (default 10 s)
#
# nginx: one master, one worker, everything inside DIR
#   svc_nginx_start DIR PORT [LINE...]
#       Serves DIR/www on 127.0.0.1:PORT: "/" is DIR/www/index.html (200,
#       body "pbprobe test page"); "/slow" sends 2 KiB at 2 KiB/s (about a
#       second). Each LINE is added verbatim to the server block, e.g.
#       'location = /down { return 503; }' or 'add_header X-Version v2 always;'.
#       Files: DIR/nginx.conf, DIR/nginx.pid, DIR/error.log and DIR/access.log,
#       one line per request, fields separated by TAB:
#         1 $msec (request end, Unix seconds.millis)  2 $request_time (s.ms)
#         3 $status  4 $http_x_request_id  5 $request_method  6 $request_uri
#         7 $body_bytes_sent  8 $remote_addr:$remote_port  9 $connection
#         10 $connection_requests  11 $pid (the worker that answered)
#         12 $server_protocol (HTTP/1.1, HTTP/2.0)
#         13 $server_addr:$server_port (the address the request reached)
#       Returns once the port accepts (typically in 50 ms).
#   svc_nginx_reload DIR      graceful reload (SIGHUP): re-reads DIR/nginx.conf
#   svc_nginx_stop DIR        fast stop (SIGTERM), waits until it is gone
#
# haproxy: master-worker, admin socket DIR/admin.sock
#   svc_haproxy_start DIR PORT [OPTION...] [--] [[NAME=]HOST:PORT...]
#       Frontend "fe" on 127.0.0.1:PORT, backend "be" (roundrobin) with one
#       server per HOST:PORT argument, named s1, s2, ... unless NAME= is given.
#       Options:
#         --check             HTTP health checks (GET /, every 100 ms, down
#                             after 2 failures, up after 1 success)
#         --check-path PATH   health check this path (implies --check)
#         --server-opts STR   appended to every server line ("maxconn 10")
#         --global LINE, --defaults LINE, --frontend LINE, --backend LINE
#                             a verbatim line for that section (repeatable);
#                             later lines win ('--defaults "timeout server 2s"')
#       Files: DIR/haproxy.cfg, DIR/haproxy.pid (the master), DIR/admin.sock,
#       DIR/master.sock (master CLI), DIR/haproxy.stderr.
#   svc_haproxy_cmd DIR COMMAND
#       Sends one command to the admin socket and prints the answer; fails
#       when haproxy refuses it. e.g. "set server be/s1 state maint",
#       "set server be/s1 state ready", "show servers state be".
#   svc_haproxy_reload DIR    seamless reload (SIGUSR2 to the master) after
#                             editing DIR/haproxy.cfg; waits for the new worker
#   svc_haproxy_stop DIR      stops master and workers
#
# PostgreSQL (Debian's, any version; the newest installed), trust auth, as an
# unprivileged user because postgres refuses to run as root
#   svc_pg_start DIR PORT     initdb into DIR/pgdata on first use (superuser
#                             "postgres"), then starts on 127.0.0.1:PORT with
#                             its Unix socket in DIR; log DIR/postgres.log.
#                             DIR and its parents must be searchable by the
#                             user (t/lib.sh makes TEST_DIR mode 755).
#   svc_pg_stop DIR [MODE]    pg_ctl stop, MODE fast (default), immediate
#                             (a crash: no checkpoint) or smart
#   svc_pg_restart DIR PORT [DOWN_SECS [MODE]]
#                             stop, stay down DOWN_SECS (default 0), start
#   svc_pg_psql DIR PORT SQL...
#                             runs each SQL with psql over TCP, stops at the
#                             first error, prints rows unaligned (-At)
#   svc_pg_conninfo DIR PORT  prints the libpq conninfo for the prober
#
# Other processes
#   svc_track_pid PID [NAME]  have svc_stop_all stop PID (TERM, then KILL)
#   svc_untrack_pid PID       forget PID (it has ended: its number may be reused)
#   svc_alive PID             whether PID runs (a zombie does not)
#   svc_stop_all              stops everything this shell started, newest
#                             first, and releases its reserved ports
#
# Variables (set before sourcing or before the call):
#   SVC_REGISTRY   file listing what was started (default
#                  ${TMPDIR:-/tmp}/pbprobe-svc.$$; t/lib.sh puts it in TEST_DIR)
#   SVC_PG_USER    OS user that runs PostgreSQL when root (default pbprobe-pg;
#                  created with useradd --system if missing)
#   SVC_PG_BINDIR  directory of initdb and pg_ctl (default: found)
#   SVC_PORT_DIR   where port reservations live (default /tmp/pbprobe-ports)

SVC_REGISTRY=${SVC_REGISTRY:-${TMPDIR:-/tmp}/pbprobe-svc.$$}
SVC_PG_USER=${SVC_PG_USER:-pbprobe-pg}
SVC_PORT_DIR=${SVC_PORT_DIR:-/tmp/pbprobe-ports}

_svc_err() {
	printf 'services.sh: %s\n' "$*" >&2
	return 1
}

# Polling interval of the waits below.
_svc_nap() {
	sleep "${1:-0.1}"
}

# Alive and not a zombie: a daemon we started in the background and that has
# exited stays a zombie until reaped, and kill -0 still succeeds on it.
_svc_alive() {
	local pid=$1 state
	kill -0 "$pid" 2>/dev/null || return 1
	state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] && [ -n "$state" ]
}

_svc_register() {
	printf '%s\t%s\n' "$1" "$2" >>"$SVC_REGISTRY"
}

_svc_unregister() {
	local kind=$1 what=$2 tmp
	[ -f "$SVC_REGISTRY" ] || return 0
	tmp="$SVC_REGISTRY.tmp.$BASHPID"
	awk -F'\t' -v k="$kind" -v w="$what" '!($1 == k && $2 == w)' "$SVC_REGISTRY" >"$tmp" &&
		mv -f "$tmp" "$SVC_REGISTRY"
}

# Stops a process and waits (up to SECS) for it to go; then KILLs it, and
# its process group when it leads one (daemons: nginx, haproxy).
_svc_kill_wait() {
	local pid=$1 sig=${2:-TERM} secs=${3:-10} i
	_svc_alive "$pid" || return 0
	kill -s "$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 10; i++)); do
		if ! _svc_alive "$pid"; then
			wait "$pid" 2>/dev/null || true # reaps it when it is our child
			return 0
		fi
		_svc_nap
	done
	_svc_err "pid $pid did not stop on SIG$sig in ${secs}s: killing it"
	if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

_svc_pidfile_pid() {
	local pid
	[ -s "$1" ] || return 1
	read -r pid <"$1" || [ -n "$pid" ] || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$pid"
}

_svc_need_dir() {
	[ -n "${1:-}" ] || _svc_err "${FUNCNAME[1]}: DIR missing" || return 1
	case $1 in
	/*) ;;
	*) _svc_err "${FUNCNAME[1]}: DIR must be an absolute path: $1" || return 1 ;;
	esac
	case $1 in
	*[[:space:]\;\"\'\\]*) _svc_err "${FUNCNAME[1]}: DIR must not hold spaces or quotes: $1" || return 1 ;;
	esac
}

_svc_need_port() {
	if [[ ${1:-} =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; then
		return 0
	fi
	_svc_err "${FUNCNAME[1]}: bad port \"${1:-}\""
}

# ---------------------------------------------------------------- ports

# Whether any TCP socket (listening or connected) uses local port PORT.
_svc_port_used() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Htan "sport = :$port" 2>/dev/null)" ]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
	fi
}

# Takes PORT for this shell unless another live shell holds it. The
# reservation is a file holding our pid, hard-linked into place: link(2)
# fails when the name exists (one winner), and the file is never seen empty.
_svc_port_reserve() {
	local port=$1 f owner tmp rc
	f="$SVC_PORT_DIR/$port"
	if [ -e "$f" ]; then
		owner=$(cat "$f" 2>/dev/null) || owner=
		if [[ $owner =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null; then
			return 1
		fi
		rm -f "$f" # left by a shell that is gone
	fi
	tmp="$SVC_PORT_DIR/.new.$$.$BASHPID.$port"
	printf '%s\n' "$$" >"$tmp" 2>/dev/null || return 1
	rc=0
	ln "$tmp" "$f" 2>/dev/null || rc=1
	rm -f "$tmp"
	return "$rc"
}

# Drops the reservations of shells that are gone (killed before their
# svc_stop_all): builtins only, so a few hundred files cost little.
_svc_port_sweep() {
	local f owner
	for f in "$SVC_PORT_DIR"/*; do
		[ -f "$f" ] || continue
		owner=
		read -r owner <"$f" 2>/dev/null || true
		if [[ $owner =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null; then
			continue
		fi
		rm -f "$f"
	done
}

svc_free_port() {
	local lo=20000 hi=32767 eph_lo tries port
	if read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null &&
		[ "$eph_lo" -gt 12000 ]; then
		# below the ephemeral range: no client socket can take it meanwhile
		hi=$((eph_lo - 1))
		[ "$lo" -lt "$hi" ] || lo=10000
	fi
	if [ ! -d "$SVC_PORT_DIR" ]; then
		mkdir -p "$SVC_PORT_DIR" 2>/dev/null || true
		chmod 1777 "$SVC_PORT_DIR" 2>/dev/null || true # shared by every user's tests
	fi
	_svc_port_sweep
	for ((tries = 0; tries < 200; tries++)); do
		port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		_svc_port_used "$port" && continue
		_svc_port_reserve "$port" || continue
		_svc_register port "$port"
		printf '%s\n' "$port"
		return 0
	done
	_svc_err "svc_free_port: no free port in $lo..$hi after 200 tries"
}

svc_wait_port() {
	local port=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		_svc_nap 0.05
	done
	_svc_err "127.0.0.1:$port does not accept connections after ${secs}s"
}

# ---------------------------------------------------------------- nginx

svc_nginx_start() {
	local dir=${1:-} port=${2:-} user_line='' line extra='' pid i
	_svc_need_dir "$dir" && _svc_need_port "$port" || return 1
	shift 2
	for line in "$@"; do
		extra+="        $line"$'\n'
	done
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
		_svc_err "nginx not found: apt-get install nginx-light" || return 1
	if [ -f "$dir/nginx.pid" ] && pid=$(_svc_pidfile_pid "$dir/nginx.pid") && _svc_alive "$pid"; then
		_svc_err "svc_nginx_start: an nginx already runs in $dir (pid $pid)"
		return 1
	fi
	mkdir -p "$dir/www" "$dir/tmp" || return 1
	rm -f "$dir/nginx.pid"
	printf 'pbprobe test page\n' >"$dir/www/index.html"
	head -c 2048 /dev/zero | tr '\0' 'x' >"$dir/www/slow"
	# As root the worker would drop to "nobody", which cannot read a 0700
	# temporary directory; it is a private test server on loopback.
	[ "$(id -u)" -eq 0 ] && user_line='user root;'
	cat >"$dir/nginx.conf" <<EOF
# Written by lab/services.sh: a private nginx for tests and the lab.
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 4096;
}
http {
    log_format pbprobe escape=default
        '\$msec\t\$request_time\t\$status\t\$http_x_request_id\t\$request_method\t\$request_uri\t\$body_bytes_sent\t\$remote_addr:\$remote_port\t\$connection\t\$connection_requests\t\$pid\t\$server_protocol\t\$server_addr:\$server_port';
    access_log $dir/access.log pbprobe;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type text/plain;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $dir/www;
        index index.html;
        location = /slow {
            limit_rate 2k;
        }
$extra    }
}
EOF
	if ! nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >/dev/null 2>"$dir/nginx.stderr"; then
		_svc_err "nginx did not start in $dir: $(tail -n 3 "$dir/nginx.stderr" "$dir/error.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	# The master writes its pid file after it has daemonized.
	for ((i = 0; i < 100; i++)); do
		pid=$(_svc_pidfile_pid "$dir/nginx.pid") && break
		_svc_nap 0.05
	done
	[ -n "$pid" ] || _svc_err "nginx in $dir wrote no pid file" || return 1
	_svc_register nginx "$dir"
	svc_wait_port "$port" 10
}

svc_nginx_reload() {
	local dir=${1:-} pid
	_svc_need_dir "$dir" || return 1
	pid=$(_svc_pidfile_pid "$dir/nginx.pid") && _svc_alive "$pid" ||
		_svc_err "svc_nginx_reload: no nginx runs in $dir" || return 1
	nginx -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" ||
		_svc_err "svc_nginx_reload: $dir/nginx.conf is invalid" || return 1
	kill -HUP "$pid"
}

svc_nginx_stop() {
	local dir=${1:-} pid
	_svc_need_dir "$dir" || return 1
	if pid=$(_svc_pidfile_pid "$dir/nginx.pid"); then
		_svc_kill_wait "$pid" TERM 10
	fi
	_svc_unregister nginx "$dir"
	return 0
}

# ---------------------------------------------------------------- haproxy

svc_haproxy_start() {
	local dir=${1:-} port=${2:-} check=0 check_path=/ server_opts='' n=0 name addr pid i
	local global='' defaults='' frontend='' backend='' servers='' check_opts=''
	_svc_need_dir "$dir" && _svc_need_port "$port" || return 1
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--check) check=1 ;;
		--check-path)
			check=1
			check_path=${2:?--check-path needs a path}
			shift
			;;
		--server-opts)
			server_opts=${2:?--server-opts needs a value}
			shift
			;;
		--global | --defaults | --frontend | --backend)
			[ $# -ge 2 ] || _svc_err "svc_haproxy_start: $1 needs a line" || return 1
			case $1 in
			--global) global+="    $2"$'\n' ;;
			--defaults) defaults+="    $2"$'\n' ;;
			--frontend) frontend+="    $2"$'\n' ;;
			--backend) backend+="    $2"$'\n' ;;
			esac
			shift
			;;
		--)
			shift
			break
			;;
		-*) _svc_err "svc_haproxy_start: unknown option $1" || return 1 ;;
		*) break ;;
		esac
		shift
	done
	if [ "$check" = 1 ]; then
		backend="    option httpchk GET $check_path"$'\n'"$backend"
		check_opts=' check inter 100ms fall 2 rise 1'
	fi
	for addr in "$@"; do
		n=$((n + 1))
		name=s$n
		if [[ $addr == *=* ]]; then
			name=${addr%%=*}
			addr=${addr#*=}
		fi
		[[ $addr =~ ^[0-9.]+:[0-9]+$ ]] ||
			_svc_err "svc_haproxy_start: bad server \"$addr\" (want HOST:PORT)" || return 1
		servers+="    server $name $addr$check_opts${server_opts:+ $server_opts}"$'\n'
	done
	command -v haproxy >/dev/null 2>&1 ||
		_svc_err "haproxy not found: apt-get install haproxy" || return 1
	mkdir -p "$dir" || return 1
	rm -f "$dir/haproxy.pid" "$dir/admin.sock" "$dir/master.sock"
	cat >"$dir/haproxy.cfg" <<EOF
# Written by lab/services.sh: a private haproxy for tests and the lab.
global
    maxconn 4096
    pidfile $dir/haproxy.pid
    stats socket $dir/admin.sock mode 600 level admin expose-fd listeners
    stats timeout 10s
${global}defaults
    mode http
    option redispatch
    retries 1
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
${defaults}frontend fe
    bind 127.0.0.1:$port
    default_backend be
${frontend}backend be
    balance roundrobin
${backend}${servers}
EOF
	if ! haproxy -c -q -f "$dir/haproxy.cfg" 2>"$dir/haproxy.stderr"; then
		_svc_err "bad haproxy config $dir/haproxy.cfg: $(head -n 3 "$dir/haproxy.stderr" | tr '\n' ' ')"
		return 1
	fi
	# -W master-worker (reloads keep the listening socket), -D daemon.
	if ! haproxy -W -D -S "$dir/master.sock" -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" \
		</dev/null >/dev/null 2>>"$dir/haproxy.stderr"; then
		_svc_err "haproxy did not start in $dir: $(tail -n 3 "$dir/haproxy.stderr" | tr '\n' ' ')"
		return 1
	fi
	for ((i = 0; i < 200; i++)); do
		pid=$(_svc_pidfile_pid "$dir/haproxy.pid") && [ -S "$dir/admin.sock" ] && break
		pid=
		_svc_nap 0.05
	done
	[ -n "$pid" ] || _svc_err "haproxy in $dir: no pid file or admin socket after 10s" || return 1
	_svc_register haproxy "$dir"
	svc_wait_port "$port" 10
}

svc_haproxy_cmd() {
	local dir=${1:-} cmd=${2:-} out
	_svc_need_dir "$dir" || return 1
	[ -n "$cmd" ] || _svc_err "svc_haproxy_cmd: COMMAND missing" || return 1
	[ -S "$dir/admin.sock" ] || _svc_err "svc_haproxy_cmd: no admin socket in $dir" || return 1
	out=$(printf '%s\n' "$cmd" | socat -t 5 - "UNIX-CONNECT:$dir/admin.sock") ||
		_svc_err "svc_haproxy_cmd: cannot talk to $dir/admin.sock" || return 1
	[ -z "$out" ] || printf '%s\n' "$out"
	case $out in
	"No such"* | "Unknown command"* | "Require "* | *" expects "* | "Permission denied"* | \
		*"not found"* | "Invalid"* | "Missing"*)
		_svc_err "haproxy refused \"$cmd\": $(printf '%s' "$out" | head -n 1)"
		return 1
		;;
	esac
	return 0
}

# The pids of the current workers, from the master CLI ("show proc": a
# "# workers" section, then "# old workers" still finishing their requests).
_svc_haproxy_workers() {
	printf 'show proc\n' | socat -t 2 - "UNIX-CONNECT:$1/master.sock" 2>/dev/null |
		awk '/^# old workers/ { exit } $2 == "worker" { print $1 }'
}

svc_haproxy_reload() {
	local dir=${1:-} pid old now w i
	_svc_need_dir "$dir" || return 1
	pid=$(_svc_pidfile_pid "$dir/haproxy.pid") && _svc_alive "$pid" ||
		_svc_err "svc_haproxy_reload: no haproxy runs in $dir" || return 1
	haproxy -c -q -f "$dir/haproxy.cfg" 2>>"$dir/haproxy.stderr" ||
		_svc_err "svc_haproxy_reload: $dir/haproxy.cfg is invalid" || return 1
	old=" $(_svc_haproxy_workers "$dir" | tr '\n' ' ') "
	kill -USR2 "$pid"
	for ((i = 0; i < 200; i++)); do
		_svc_nap 0.05
		now=$(_svc_haproxy_workers "$dir") || continue
		for w in $now; do
			[[ $old == *" $w "* ]] || return 0
		done
	done
	_svc_err "svc_haproxy_reload: no new worker in $dir after 10s"
}

svc_haproxy_stop() {
	local dir=${1:-} pid
	_svc_need_dir "$dir" || return 1
	if pid=$(_svc_pidfile_pid "$dir/haproxy.pid"); then
		# the master stops its workers on SIGTERM ("hard stop")
		_svc_kill_wait "$pid" TERM 10
	fi
	_svc_unregister haproxy "$dir"
	return 0
}

# ---------------------------------------------------------------- PostgreSQL

# The directory holding initdb and pg_ctl. Debian keeps them out of PATH in
# /usr/lib/postgresql/N/bin; pg_config (libpq-dev) may or may not point there.
_svc_pg_bindir() {
	local d best='' v bestv=0
	if [ -n "${SVC_PG_BINDIR:-}" ]; then
		printf '%s\n' "$SVC_PG_BINDIR"
		return 0
	fi
	for d in /usr/lib/postgresql/*/bin; do
		if [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then
			continue
		fi
		v=${d#/usr/lib/postgresql/}
		v=${v%%/*}
		v=${v%%.*}
		[[ $v =~ ^[0-9]+$ ]] || continue
		if [ "$v" -gt "$bestv" ]; then
			bestv=$v
			best=$d
		fi
	done
	if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null)
		[ -x "$d/initdb" ] && best=$d
	fi
	if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
		best=$(dirname "$(command -v initdb)")
	fi
	[ -n "$best" ] || _svc_err "PostgreSQL server not found: apt-get install postgresql" || return 1
	SVC_PG_BINDIR=$best
	printf '%s\n' "$best"
}

# Runs a command as the PostgreSQL user (root cannot run postgres).
_svc_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$SVC_PG_USER" -- "$@"
	else
		"$@"
	fi
}

_svc_pg_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	id -u "$SVC_PG_USER" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		"$SVC_PG_USER" 2>/dev/null
	id -u "$SVC_PG_USER" >/dev/null 2>&1 ||
		_svc_err "cannot create the system user $SVC_PG_USER for PostgreSQL"
}

svc_pg_start() {
	local dir=${1:-} port=${2:-} bin
	_svc_need_dir "$dir" && _svc_need_port "$port" || return 1
	bin=$(_svc_pg_bindir) && _svc_pg_user || return 1
	mkdir -p "$dir" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown "$SVC_PG_USER" "$dir" || return 1
	fi
	_svc_pg_as test -w "$dir" -a -x "$dir" ||
		_svc_err "$dir is not writable by $SVC_PG_USER: its parent directories must be searchable (chmod o+x)" ||
		return 1
	if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
		# --no-sync: a test cluster need not survive a power cut
		if ! _svc_pg_as "$bin/initdb" -D "$dir/pgdata" -A trust -U postgres -E UTF8 \
			--locale=C --no-sync >"$dir/initdb.log" 2>&1; then
			_svc_err "initdb failed in $dir: $(tail -n 3 "$dir/initdb.log" | tr '\n' ' ')"
			return 1
		fi
		cat >>"$dir/pgdata/postgresql.conf" <<-'EOF'
			# lab/services.sh: a throwaway cluster, fast rather than durable
			fsync = off
			synchronous_commit = off
			full_page_writes = off
		EOF
	fi
	printf '%s\n' "$port" >"$dir/port"
	if ! _svc_pg_as "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >"$dir/pg_ctl.log" 2>&1; then
		_svc_err "PostgreSQL did not start in $dir: $(tail -n 3 "$dir/postgres.log" | tr '\n' ' ')"
		return 1
	fi
	_svc_unregister pg "$dir"
	_svc_register pg "$dir"
}

svc_pg_stop() {
	local dir=${1:-} mode=${2:-fast} bin
	_svc_need_dir "$dir" || return 1
	case $mode in
	fast | immediate | smart) ;;
	*) _svc_err "svc_pg_stop: MODE is fast, immediate or smart, not $mode" || return 1 ;;
	esac
	bin=$(_svc_pg_bindir) || return 1
	if [ -f "$dir/pgdata/postmaster.pid" ]; then
		_svc_pg_as "$bin/pg_ctl" -D "$dir/pgdata" -m "$mode" -w -t 60 stop >>"$dir/pg_ctl.log" 2>&1 ||
			_svc_err "pg_ctl stop failed in $dir: $(tail -n 2 "$dir/pg_ctl.log" | tr '\n' ' ')" ||
			return 1
	fi
	_svc_unregister pg "$dir"
	return 0
}

svc_pg_restart() {
	local dir=${1:-} port=${2:-} down=${3:-0} mode=${4:-fast}
	svc_pg_stop "$dir" "$mode" || return 1
	[ "$down" = 0 ] || sleep "$down"
	svc_pg_start "$dir" "$port"
}

svc_pg_psql() {
	local dir=${1:-} port=${2:-} bin psql sql
	_svc_need_dir "$dir" && _svc_need_port "$port" || return 1
	shift 2
	[ $# -gt 0 ] || _svc_err "svc_pg_psql: SQL missing" || return 1
	bin=$(_svc_pg_bindir) || return 1
	psql=$bin/psql
	[ -x "$psql" ] || psql=psql
	local args=()
	for sql in "$@"; do
		args+=(-c "$sql")
	done
	PGCONNECT_TIMEOUT=5 "$psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
		-U postgres -d postgres "${args[@]}"
}

svc_pg_conninfo() {
	_svc_need_port "${2:-}" || return 1
	printf 'host=127.0.0.1 port=%s user=postgres dbname=postgres connect_timeout=5\n' "$2"
}

# ---------------------------------------------------------------- the rest

svc_track_pid() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || _svc_err "svc_track_pid: bad pid \"${1:-}\"" || return 1
	_svc_register pid "$1"
}

# A tracked process that has ended must leave the registry before its number
# is reused by someone else's process, which svc_stop_all would then kill.
svc_untrack_pid() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || _svc_err "svc_untrack_pid: bad pid \"${1:-}\"" || return 1
	_svc_unregister pid "$1"
}

# Whether PID runs (a zombie does not).
svc_alive() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || return 1
	_svc_alive "$1"
}

svc_stop_all() {
	local lines=() i kind what owner f
	if [ -f "$SVC_REGISTRY" ]; then
		mapfile -t lines <"$SVC_REGISTRY"
	fi
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		kind=${lines[i]%%$'\t'*}
		what=${lines[i]#*$'\t'}
		case $kind in
		nginx) svc_nginx_stop "$what" || true ;;
		haproxy) svc_haproxy_stop "$what" || true ;;
		pg) svc_pg_stop "$what" fast || svc_pg_stop "$what" immediate || true ;;
		pid)
			_svc_kill_wait "$what" TERM 5
			_svc_unregister pid "$what"
			;;
		port)
			f="$SVC_PORT_DIR/$what"
			owner=$(cat "$f" 2>/dev/null) || owner=
			[ "$owner" != "$$" ] || rm -f "$f"
			;;
		esac
	done
	rm -f "$SVC_REGISTRY"
	return 0
}
