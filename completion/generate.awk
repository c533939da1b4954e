# generate.awk: writes PROGRAM's completion for SHELL (bash or zsh) from
# PROGRAM's --help, read on standard input:
#   awk -v shell=bash -v prog=pbprobe -f completion/generate.awk
# --help is the one table of options (each program's options.c); made from
# it, the completions cannot drift from it (t/t1700-completion.sh checks that
# every option --help names completes, in real bash and zsh).
#
# What --help says is read this way:
#   option lines  "  -o, --output FILE    the log ..." (names, then the
#                 value's placeholder, one word of capitals, then the
#                 text, which may go on, indented, on the lines below)
#   values        a placeholder ending in FILE is a file, DIR a directory;
#                 a text that starts (or goes on after its first ": ") with
#                 "a, b or c" lists the only values
#   operands      the usage line's: LOG... is files, URL... is nothing to
#                 offer, "-- COMMAND" a command; a second usage line
#                 "PROGRAM WORD ..." is a subcommand

BEGIN {
	if (shell != "bash" && shell != "zsh") {
		print "generate.awk: shell=" shell ": use bash or zsh" > "/dev/stderr"
		bad = 1
		exit 2
	}
}
function flush(   n, i, names, arg, kind, vals, desc, m) {
	if (cur == "")
		return
	n = split(cur_names, names, " ")
	arg = cur_arg
	desc = cur_desc
	kind = ""
	vals = ""
	if (arg != "") {
		kind = "value"
		if (arg ~ /FILE(\[[^]]*\])?$/ || arg ~ /FILE\]?$/)
			kind = "file"
		else if (arg ~ /DIR$/)
			kind = "dir"
		# "a, b or c" at the start of the text, or after its first ": "
		m = desc
		if (!match(m, /^[a-z0-9.]+(, [a-z0-9.]+)* or [a-z0-9.]+/)) {
			if (index(m, ": ") > 0) {
				m = substr(m, index(m, ": ") + 2)
				if (!match(m, /^[a-z0-9.]+(, [a-z0-9.]+)* or [a-z0-9.]+/))
					m = ""
			} else
				m = ""
		}
		if (m != "") {
			vals = substr(m, RSTART, RLENGTH)
			gsub(/,| or /, " ", vals)
			gsub(/  +/, " ", vals)
			kind = "enum"
		} else if (match(desc, /^[a-z0-9.]+: /)) {
			# "a: what a does; b: what b does": each value introduced
			vals = substr(desc, 1, RLENGTH - 2)
			m = desc
			while (match(m, /; [a-z0-9.]+: /)) {
				vals = vals " " substr(m, RSTART + 2, RLENGTH - 4)
				m = substr(m, RSTART + RLENGTH)
			}
			if (vals ~ / /)
				kind = "enum"
			else
				vals = ""
		}
	}
	nopt++
	opt_names[nopt] = cur_names
	opt_kind[nopt] = kind
	opt_vals[nopt] = vals
	opt_desc[nopt] = desc
	cur = ""
}

# the usage lines: operands and subcommands
tolower($1) == "usage:" || (NR <= 3 && $1 == prog && $2 != "") {
	line = $0
	sub(/^[Uu]sage: */, "", line)
	sub(/^ */, "", line)
	split(line, w, " ")
	if (w[1] == prog && w[2] !~ /^[[]/ && w[2] !~ /^[A-Z]/)
		subcmds = subcmds (subcmds == "" ? "" : " ") w[2]
	else {
		if (line ~ /LOG|FILE\.\.\./)
			operand = "file"
		else if (line ~ /URL/)
			operand = "url"
		if (line ~ /\[-- COMMAND/)
			command = 1
	}
	next
}

# an option line: two to eight spaces, then -x, or --long (a text that goes
# on below is indented further, and may start with an option it names).
# No {n,m} in a pattern: Debian's default awk, mawk 1.3.4, has none.
/^  +-/ && match($0, /^ +/) && RLENGTH <= 8 {
	flush()
	line = $0
	sub(/^ +/, "", line)
	names = ""
	while (match(line, /^(-[A-Za-z0-9]|--[a-z0-9][a-z0-9.-]*)(, |$| |=)/)) {
		name = substr(line, 1, RLENGTH)
		sub(/(, | |=)$/, "", name)
		names = names (names == "" ? "" : " ") name
		line = substr(line, RLENGTH + 1)
		if (line !~ /^-/)
			break
	}
	if (names == "")
		next
	# the placeholder is one word of capitals and punctuation, quotes kept
	# together ([NAME:]'HEADER: VALUE'); the text follows
	sub(/^ +/, "", line)
	arg = ""
	if (match(line, /^([][A-Z0-9_:,.=]|'[^']*')+/) &&
	    (RLENGTH == length(line) || substr(line, RLENGTH + 1, 1) == " ")) {
		arg = substr(line, 1, RLENGTH)
		line = substr(line, RLENGTH + 1)
	}
	desc = line
	sub(/^ +/, "", desc)
	cur = names
	cur_names = names
	cur_arg = arg
	cur_desc = desc
	next
}

# the text of the option above, continued (whatever its first word)
cur != "" && /^ +[^ ]/ && match($0, /^ +/) && RLENGTH > 8 {
	line = $0
	sub(/^ +/, "", line)
	cur_desc = cur_desc (cur_desc == "" ? "" : " ") line
	next
}

{ flush() }

function zsh_quote(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/\[/, "\\[", s)
	gsub(/\]/, "\\]", s)
	gsub(/'/, "'\\''", s)
	return s
}

# the first clause of an option text, for zsh to show beside it
function brief(s) {
	sub(/ \(default.*$/, "", s)
	gsub(/ \(e\.g\.[^)]*\)/, "", s)
	sub(/,? e\.g\. .*$/, "", s)
	sub(/(;|\.) .*$/, "", s)
	sub(/[;.:,]$/, "", s)
	# a parenthesis the cut left open goes, with what it opened
	if (gsub(/\(/, "(", s) > gsub(/\)/, ")", s))
		sub(/ *\([^()]*$/, "", s)
	if (length(s) > 60)
		s = substr(s, 1, 57) "..."
	return s
}

END {
	if (bad)
		exit 2
	flush()
	fn = prog
	gsub(/[^A-Za-z0-9_]/, "_", fn)
	if (shell == "bash") {
		print "# bash completion for " prog
		print "# Generated from `" prog " --help` by completion/generate.awk: do not edit."
		print "_" fn "()"
		print "{"
		print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" i p=$((COMP_CWORD - 1))"
		print "\t# bash splits words at = and : (COMP_WORDBREAKS): --cacert=home:/x is"
		print "\t# five words. The option a value belongs to is found back over each"
		print "\t# = and each NAME:"
		print "\tif [[ $cur == [=:] ]]; then"
		print "\t\tcur=\"\""
		print "\t\tp=$COMP_CWORD"
		print "\tfi"
		print "\twhile ((p > 0)) && [[ ${COMP_WORDS[p]} == [=:] ]]; do"
		print "\t\tif [[ ${COMP_WORDS[p]} == : ]]; then p=$((p - 2)); else p=$((p - 1)); fi"
		print "\tdone"
		print "\t((p >= 0)) && prev=${COMP_WORDS[p]}"
		if (command) {
			print "\t# after --: the command pbprobe wraps, then its arguments"
			print "\tfor ((i = 1; i < COMP_CWORD; i++)); do"
			print "\t\tif [[ ${COMP_WORDS[i]} == -- ]]; then"
			print "\t\t\tif ((i == COMP_CWORD - 1)); then"
			print "\t\t\t\tmapfile -t COMPREPLY < <(compgen -c -- \"$cur\" | sort -u)"
			print "\t\t\telse"
			print "\t\t\t\tcompopt -o default 2>/dev/null"
			print "\t\t\t\tCOMPREPLY=()"
			print "\t\t\tfi"
			print "\t\t\treturn"
			print "\t\tfi"
			print "\tdone"
		}
		print "\tcase $prev in"
		for (i = 1; i <= nopt; i++) {
			if (opt_kind[i] == "")
				continue
			pat = opt_names[i]
			gsub(/ /, "|", pat)
			if (opt_kind[i] == "file")
				act = "compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")"
			else if (opt_kind[i] == "dir")
				act = "compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")"
			else if (opt_kind[i] == "enum")
				act = "mapfile -t COMPREPLY < <(compgen -W \"" opt_vals[i] "\" -- \"$cur\")"
			else
				act = "COMPREPLY=() # a value of the user's own"
			print "\t" pat ")"
			print "\t\t" act
			print "\t\treturn"
			print "\t\t;;"
		}
		print "\tesac"
		all = ""
		for (i = 1; i <= nopt; i++)
			all = all (all == "" ? "" : " ") opt_names[i]
		print "\tif [[ $cur == -* ]]; then"
		print "\t\tmapfile -t COMPREPLY < <(compgen -W \"" all "\" -- \"$cur\")"
		print "\t\treturn"
		print "\tfi"
		if (subcmds != "") {
			print "\tif ((COMP_CWORD == 1)); then"
			print "\t\tmapfile -t COMPREPLY < <(compgen -W \"" subcmds "\" -- \"$cur\")"
			print "\t\treturn"
			print "\tfi"
		}
		if (operand == "file") {
			print "\tcompopt -o filenames 2>/dev/null"
			print "\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")"
		} else
			print "\tCOMPREPLY=()"
		print "}"
		print "complete -F _" fn " " prog
	} else {
		print "#compdef " prog
		print "# zsh completion for " prog
		print "# Generated from `" prog " --help` by completion/generate.awk: do not edit."
		print "local -a args"
		print "args=("
		for (i = 1; i <= nopt; i++) {
			n = split(opt_names[i], nm, " ")
			d = zsh_quote(brief(opt_desc[i]))
			if (opt_kind[i] == "file")
				a = ":file:_files"
			else if (opt_kind[i] == "dir")
				a = ":directory:_files -/"
			else if (opt_kind[i] == "enum")
				a = ":value:(" opt_vals[i] ")"
			else if (opt_kind[i] == "value")
				a = ":value: "
			else
				a = ""
			# every option may be given again (NAME: forms, repeatable ones);
			# --help and --version end the command line
			for (j = 1; j <= n; j++) {
				o = nm[j]
				if (o ~ /^--/ && a != "")
					o = o "="
				pre = (o ~ /^--(help|version)$/ || o ~ /^-[hV]$/) ? "(- *)" : "*"
				print "\t'" pre o "[" d "]" a "'"
			}
		}
		if (operand == "file")
			print "\t'*:log file:_files'"
		else
			print "\t'*:: :->operand'"
		print ")"
		if (operand == "file") {
			print "_arguments -s -S : $args"
			exit
		}
		# operands: URLs, a subcommand first, and after -- the command
		print "local curcontext=$curcontext state line ret=1 i"
		print "_arguments -s -C : $args && ret=0"
		print "if [[ $state == operand ]]; then"
		print "\ti=${words[(I)--]}"
		print "\tif (( i && CURRENT > i )); then"
		print "\t\tshift $i words"
		print "\t\t(( CURRENT -= i ))"
		print "\t\t_normal && ret=0"
		if (subcmds != "") {
			print "\telif (( CURRENT == 1 )); then"
			print "\t\t_alternative 'subcommands:subcommand:(" subcmds ")' 'urls:URL:_urls' && ret=0"
		}
		print "\telse"
		print "\t\t_urls && ret=0"
		print "\tfi"
		print "fi"
		print "return ret"
	}
}
