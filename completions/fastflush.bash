# bash completion for the fastflush commands            -*- shell-script -*-
#
# fflush-add, fflush-send, fflush-refresh, fflush-list, fflushd, scache-ctl. Installed as
# .../bash-completion/completions/fastflush with one symlink per command
# (see the Makefile), or source it from ~/.bashrc.
#
# Self-contained: it uses neither bash-completion's helpers nor external
# tools other than the fastflush commands themselves, sed and (when there)
# timeout(1). To add a command (fflushd, scache-ctl), give it a case in
# _fastflush_options and, if its operands can be completed, in _fastflush;
# then add it to the "complete" line at the bottom.

# _fastflush_options CMD [SUB] - the options CMD takes (as its --help lists
# them); for scache-ctl those that go with subcommand SUB ("" before the
# subcommand), all of them without SUB. scache-ctl's subcommands and the
# options each takes are its table (scache-ctl --list-commands prints it);
# tests/docs.bats checks that this file and _fastflush follow it.
_fastflush_options()
{
	local common='-c --config -o -q --quiet -v --verbose --json -h --help -V --version'

	case $1 in
	fflush-add) echo "$common --rebuild -n --dry-run" ;;
	fflush-send) echo "$common -i --queue-id -n --dry-run" ;;
	fflush-refresh) echo "$common -n --dry-run --purge --compact" ;;
	fflush-list) echo "$common -b --brief --queue --ages --ids" ;;
	fflushd) echo "-c --config -o -v --verbose -h --help -V --version -t --timeout -a --allow --postfix --text" ;;
	scache-ctl)
		local any='-c --config -o -t --timeout -v --verbose -h --help -V --version'
		local client="$any -q --quiet -n --no-start --json"

		case ${2-all} in
		'' | stats | list | save-dest) echo "$client" ;;
		save-endp | find-endp | find-dest) echo "$client --fd" ;;
		delete) echo "$client --endp --dest --all" ;;
		serve) echo "$any --replace -m --max-sessions -a --allow --trust-savers" ;;
		*) echo "$client --fd --endp --dest --all --replace -m --max-sessions -a --allow --trust-savers" ;;
		esac ;;
	esac
}

# _fastflush_params - main.cf parameters the commands read, for -o NAME=
_fastflush_params()
{
	echo queue_directory hash_queue_names hash_queue_depth fast_flush_domains \
	    relay_domains mydestination compatibility_level \
	    parent_domain_matches_subdomains fast_flush_refresh_time \
	    fast_flush_purge_time mail_owner trigger_timeout queue_service_name \
	    syslog_facility fastflush_lock_timeout connection_cache_service_name \
	    connection_cache_ttl_limit connection_cache_status_update_time \
	    connection_cache_protocol_timeout max_idle ipc_timeout \
	    command_directory proxymap_service_name smtputf8_enable max_use
}

# _fastflush_table_types - lookup table types, for fast_flush_domains=TYPE:
_fastflush_table_types()
{
	echo hash: btree: lmdb: cdb: regexp: pcre: cidr: texthash: inline: \
	    static: fail: unionmap: pipemap: proxy: mysql: pgsql: ldap: sqlite: \
	    memcache: socketmap: tcp:
}

# _fastflush_dequote WORD - the word as the shell will pass it (simple cases)
_fastflush_dequote()
{
	local w=$1

	case $w in
	\'*\') w=${w:1:${#w}-2} ;;
	\"*\") w=${w:1:${#w}-2} ;;
	*) w=${w//\\/} ;;
	esac
	case $w in
	\~/*) w=$HOME/${w#\~/} ;;
	esac
	printf '%s\n' "$w"
}

# _fastflush_flags WORD - the letters of a cluster of short options, up to
# and including the first that takes an argument (c or o): "-qvc" gives
# qvc, "-ofoo=x" gives o, "--json" and "site" give nothing
_fastflush_flags()
{
	local w=$1 f=

	[[ $w == -[!-]* ]] || return 0
	w=${w#-}
	while [[ -n $w ]]; do
		f+=${w:0:1}
		[[ ${w:0:1} == [co] ]] && break
		w=${w:1}
	done
	printf '%s\n' "$f"
}

# _fastflush_wants WORD - does the next word hold the argument of WORD?
# Prints c or o (for -c, --config, -qc, -o, -vo), or nothing.
_fastflush_wants()
{
	local f

	[[ $1 == --config ]] && { echo c; return 0; }
	f=$(_fastflush_flags "$1")
	[[ -n $f && $f == "${1#-}" && $f == *[co] ]] && echo "${f: -1}"
	return 0
}

# _fastflush_words - COMP_WORDS up to and including the current word, with
# the pieces that bash splits at '=' and ':' (COMP_WORDBREAKS) glued back
# together, so that "-o queue_directory=/x" is two words again. Result: the
# array _fastflush_w, whose last element is the current word as typed so
# far. (A blank typed right after '=' is not told apart; "-o name= value"
# is too rare to matter.)
_fastflush_words()
{
	local i w glue=0

	_fastflush_w=()
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((i > 0)) && [[ $glue == 1 || $w == [=:] ]]; then
			_fastflush_w[-1]+=$w
		else
			_fastflush_w+=("$w")
		fi
		[[ $w == [=:] ]] && glue=1 || glue=0
	done
	# completing a new, still empty word
	((COMP_CWORD >= ${#COMP_WORDS[@]})) && _fastflush_w+=("")
}

# _fastflush_config_args - the -c/--config and -o options already typed,
# to run fflush-list on the same spool; result in _fastflush_cfg
_fastflush_config_args()
{
	local i w rest n=$((${#_fastflush_w[@]} - 1))

	_fastflush_cfg=()
	for ((i = 1; i < n; i++)); do
		w=${_fastflush_w[i]}
		case $w in
		--) break ;;
		--config=*)
			_fastflush_cfg+=(-c "$(_fastflush_dequote "${w#--config=}")") ;;
		--config)
			((i + 1 < n)) && _fastflush_cfg+=(-c "$(_fastflush_dequote "${_fastflush_w[i + 1]}")")
			((i++)) ;;
		--*) ;;
		-*)
			# a cluster of short options: -qv, -qcDIR, -nc DIR, -oname=value
			rest=${w#-}
			while [[ -n $rest ]]; do
				case ${rest:0:1} in
				c | o)
					if [[ -n ${rest:1} ]]; then
						_fastflush_cfg+=("-${rest:0:1}" "$(_fastflush_dequote "${rest:1}")")
					elif ((i + 1 < n)); then
						_fastflush_cfg+=("-${rest:0:1}" "$(_fastflush_dequote "${_fastflush_w[i + 1]}")")
						((i++))
					fi
					break ;;
				esac
				rest=${rest:1}
			done ;;
		esac
	done
}

# _fastflush_logs CMD - "name size" for every logfile of the spool, from
# "fflush-list --brief --json" (no logfile is read) run beside CMD (same directory when CMD was typed
# with a path), on the spool of the -c/-o options typed so far. Errors
# (no spool, no permission) give no candidates. timeout(1) keeps a huge
# or locked spool from freezing the prompt.
_fastflush_logs()
{
	local lister=fflush-list
	local -a run=()

	[[ $1 == */* ]] && lister=${1%/*}/fflush-list
	command -v timeout >/dev/null 2>&1 && run=(timeout 5)
	_fastflush_config_args
	"${run[@]}" "$lister" --brief --json "${_fastflush_cfg[@]}" 2>/dev/null </dev/null |
	    sed -n 's/^{"log":"\([A-Za-z0-9_]*\)","size":\([0-9]*\),.*/\1 \2/p'
}

# _fastflush_sites CMD - destinations for fflush-send, from the logfiles.
#
# A logfile name is not always a destination: "example.com" has the
# logfile example_com, and "example_com" would be denied by
# fast_flush_domains. So, for each logfile that has entries:
#  - a name without '_' is its own destination (localhost, relay1);
#  - _192_0_2_1_ is the address literal [192.0.2.1];
#  - otherwise '_' becomes '.', when that gives a well-formed host name.
#    By construction the dotted name maps back to the same logfile, so
#    sending it sends exactly that logfile's mail, provided it passes
#    fast_flush_domains: a destination first written a-b.example.com or
#    with '_' comes back as a.b.example.com, which is accepted when a
#    parent domain is listed (the default matching) and denied when only
#    the exact name is.
#  - IDNA names (xn__...) cannot be recovered and are not offered; use
#    fflush-list, which accepts logfile names, to see them.
_fastflush_sites()
{
	local name entries dotted

	while read -r name entries; do
		((entries > 0)) || continue
		if [[ $name != *_* ]]; then
			printf '%s\n' "$name"
		elif [[ $name =~ ^_([0-9]{1,3})_([0-9]{1,3})_([0-9]{1,3})_([0-9]{1,3})_$ ]]; then
			printf '[%s.%s.%s.%s]\n' "${BASH_REMATCH[@]:1:4}"
		else
			dotted=${name//_/.}
			[[ $dotted == .* || $dotted == *. || $dotted == *..* ]] ||
			    printf '%s\n' "$dotted"
		fi
	done < <(_fastflush_logs "$1")
}

# _fastflush_reply CUR WORD... - COMPREPLY: the words that start with CUR,
# quoted for the command line ([192.0.2.1] must not become a glob)
_fastflush_reply()
{
	local cur w

	cur=$(_fastflush_dequote "$1")
	shift
	for w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$w")")
	done
}

# _fastflush_scache_labels CMD KIND - the labels cached in the spool's
# connection cache ("scache-ctl -n -q list" beside CMD, on the spool of the
# -c/-o options typed so far): KIND endp (endpoint labels of connections),
# dest (destination labels) or endpoint (the endpoints bindings name).
# Never starts a server; nothing when none runs.
_fastflush_scache_labels()
{
	local ctl=scache-ctl kind label endp
	local -a run=()

	[[ $1 == */* ]] && ctl=${1%/*}/scache-ctl
	command -v timeout >/dev/null 2>&1 && run=(timeout 5)
	_fastflush_config_args
	"${run[@]}" "$ctl" -n -q "${_fastflush_cfg[@]}" list 2>/dev/null </dev/null |
	    while IFS=$'\t' read -r kind label _ endp _; do
		case $2 in
		endp) [[ $kind == endp ]] && printf '%s\n' "$label" ;;
		dest) [[ $kind == dest ]] && printf '%s\n' "$label" ;;
		endpoint) [[ $kind == dest ]] && printf '%s\n' "$endp" ;;
		esac
	    done | sort -u
}

# _fastflush_scache CMD CUR - scache-ctl: subcommands, the options of each
# (serve's only after serve), -a OPS=WHO, cached labels as operands, and a
# command line after "--" of find-endp and find-dest
_fastflush_scache()
{
	local cur=$2 word=${_fastflush_w[${#_fastflush_w[@]} - 1]} w prev sub="" subi=0 dd=0 i
	local n=${#_fastflush_w[@]} last pre skip=0
	local -a ops=(save find stats list delete handoff all) args=()

	# the subcommand, "--" and the operands so far; options that take an
	# argument skip it (-c -o -t -m -a, --config --timeout --fd
	# --max-sessions --allow; not when given as --opt=value or -tVALUE)
	for ((i = 1; i < n - 1; i++)); do
		w=${_fastflush_w[i]}
		if ((skip)); then
			skip=0
			continue
		fi
		if [[ $w == -- ]]; then
			dd=$i
			break
		fi
		case $w in
		--config | --timeout | --fd | --max-sessions | --allow) skip=1 ;;
		--*) ;;
		-*)
			[[ $w =~ ^-[nqvhV]*[cotma]$ ]] && skip=1 ;;
		*)
			if [[ -z $sub ]]; then
				sub=$w
				subi=$i
			else
				args+=("$w")
			fi ;;
		esac
	done
	prev=
	((n > 1)) && prev=${_fastflush_w[n - 2]}

	# after "--": a command, then its arguments
	if ((dd)); then
		if ((dd == n - 2)); then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
		else
			compopt -o default 2>/dev/null
		fi
		return 0
	fi

	# option arguments: -a OPS=WHO (also --allow=OPS=WHO), nothing to
	# offer for the numbers. '=' splits words, so CUR is what follows the
	# last '=': operations before it, users and @groups after it; both
	# are comma-separated lists.
	local allow=0 aval=$word
	if ((skip)); then
		[[ $prev == -a || $prev == --allow || $prev == -[!-]*a ]] || return 0
		allow=1
	elif [[ $word == --allow=* ]]; then
		aval=${word#--allow=}
		allow=1
	fi
	if ((allow)); then
		last=${cur##*,}
		pre=${cur%"$last"}
		if [[ $aval != *=* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "${ops[*]}" -P "$pre" -- "$last")
			compopt -o nospace 2>/dev/null
		elif [[ $last == @* ]]; then
			mapfile -t COMPREPLY < <(compgen -g -P "$pre@" -- "${last#@}")
		else
			mapfile -t COMPREPLY < <(compgen -u -P "$pre" -- "$last")
		fi
		return 0
	fi

	if [[ $word == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_fastflush_options scache-ctl "$sub")" -- "$cur")
		return 0
	fi
	if [[ -z $sub ]]; then
		mapfile -t COMPREPLY < <(compgen -W "save-endp find-endp save-dest find-dest stats list delete serve" -- "$cur")
		return 0
	fi

	# operands: labels that are cached now
	local -a labels=()
	case $sub:${#args[@]} in
	find-endp:0 | save-endp:1)
		mapfile -t labels < <(_fastflush_scache_labels "$1" endp) ;;
	find-dest:0 | save-dest:1)
		mapfile -t labels < <(_fastflush_scache_labels "$1" dest) ;;
	save-dest:3)
		mapfile -t labels < <({ _fastflush_scache_labels "$1" endp
		    _fastflush_scache_labels "$1" endpoint; } | sort -u) ;;
	delete:0)
		local kind=
		for ((i = subi + 1; i < n - 1; i++)); do
			case ${_fastflush_w[i]} in
			--all) return 0 ;;
			--endp) kind+=e ;;
			--dest) kind+=d ;;
			esac
		done
		case $kind in
		e) mapfile -t labels < <(_fastflush_scache_labels "$1" endp) ;;
		d) mapfile -t labels < <(_fastflush_scache_labels "$1" dest) ;;
		*) mapfile -t labels < <({ _fastflush_scache_labels "$1" endp
		    _fastflush_scache_labels "$1" dest; } | sort -u) ;;
		esac ;;
	esac
	((${#labels[@]})) && _fastflush_reply "$cur" "${labels[@]}"
	return 0
}

# _fastflush CMD CUR PREV - the completion function of every command
_fastflush()
{
	local cmd=${1##*/} cur=${2-${COMP_WORDS[COMP_CWORD]}} word prev want w i n
	local -a _fastflush_w _fastflush_cfg
	local IFS=$' \t\n'

	COMPREPLY=()
	[[ $cur == [=:] ]] && cur=
	_fastflush_words

	# the current word (as typed) and the word before it
	n=${#_fastflush_w[@]}
	word=${_fastflush_w[n - 1]}
	prev=
	((n > 1)) && prev=${_fastflush_w[n - 2]}

	# option arguments
	want=$(_fastflush_wants "$prev")
	if [[ $word == --config=* || $want == c ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
	fi
	if [[ $want == o || ($word == -o?*=* && $(_fastflush_flags "$word") == o) ]]; then
		if [[ $word != *=* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_fastflush_params)" -S = -- "$cur")
			compopt -o nospace 2>/dev/null
		elif [[ $word == *queue_directory=* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		elif [[ $word == *_domains=* && ${word#*=} != *:* ]]; then
			# a table type (the ':' is a word break: cur is what follows '=')
			mapfile -t COMPREPLY < <(compgen -W "$(_fastflush_table_types)" -- "$cur")
			compopt -o nospace 2>/dev/null
		elif [[ $word == *_domains=*:* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	if [[ $cmd == scache-ctl ]]; then
		_fastflush_scache "$1" "$cur"
		return 0
	fi

	# fflushd: the requests for -a, nothing to offer for -t
	if [[ $cmd == fflushd ]]; then
		case $prev in
		-a | --allow)
			mapfile -t COMPREPLY < <(compgen -W "add send send-file refresh purge" -- "$cur")
			return 0 ;;
		-t | --timeout) return 0 ;;
		esac
	fi

	# options, unless "--" ended them; fflush-add stops at its first operand
	for ((i = 1; i < n - 1; i++)); do
		w=${_fastflush_w[i]}
		[[ $w == -- ]] && break
		[[ $cmd == fflush-add && $w != -* &&
		    -z $(_fastflush_wants "${_fastflush_w[i - 1]}") ]] && break
	done
	if [[ $word == -* ]] && ((i == n - 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$(_fastflush_options "$cmd")" -- "$cur")
		return 0
	fi

	case $cmd in
	fflush-send)
		# -i: the operands are queue IDs; nothing sensible to offer
		for ((i = 1; i < n - 1; i++)); do
			w=${_fastflush_w[i]}
			[[ $w == -- ]] && break
			[[ $w == --queue-id || $(_fastflush_flags "$w") == *i* ]] && return 0
		done
		local -a sites
		mapfile -t sites < <(_fastflush_sites "$1")
		_fastflush_reply "$cur" "${sites[@]}" ;;
	fflush-list)
		# fflush-list takes logfile names as they are (--queue matches a
		# destination by its logfile name too)
		local -a logs
		mapfile -t logs < <(_fastflush_logs "$1" | sed 's/ .*//')
		_fastflush_reply "$cur" "${logs[@]}" ;;
	# fflush-add: a site (any, not only those with logfiles) or "-",
	# then queue IDs: nothing to offer.
	esac
	return 0
}

complete -F _fastflush fflush-add fflush-send fflush-refresh fflush-list fflushd scache-ctl
