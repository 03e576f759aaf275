# bash completion for crm(1)                              -*- shell-script -*-
#
# The command names come from `crm --list-cmds` at completion time, so a new
# command completes as soon as the binary has it. Its options do not: each
# command has one case arm in _crm_command below, and
# tests/cli/t0004-docs.sh fails for a command without one (it looks for a
# line "	NAME)").

# Offers the words of $1 that start with $2.
_crm_words()
{
	local IFS=$' \t\n'

	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

# Offers the files and directories that start with $1.
_crm_files()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$1"))
}

# Prints the command names of the crm binary $1, one per line.
_crm_commands()
{
	"$1" --list-cmds 2>/dev/null
}

# Completes $3, a word after command $1; $2 is the word before it.
# One case arm per command: its options, and what its arguments are.
_crm_command()
{
	local cmd=$1 prev=$2 cur=$3

	case $cmd in
	init)
		_crm_words '-h --help' "$cur"
		;;
	import)
		case $prev in
		--kind)
			_crm_words 'customers orders interactions' "$cur"
			;;
		--encoding)
			_crm_words 'auto utf-8 cp932' "$cur"
			;;
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--rejects | --fields)
			_crm_files "$cur"
			;;
		--map | --key | --source | --customer-source | --country)
			# A column, a COLUMN=FIELD or a name: the user's own word.
			;;
		*)
			if [[ $cur == -* ]]; then
				_crm_words '--kind --source --customer-source --key --map
					--encoding --rejects --strict --lenient --country --allow-erased
					--no-cleanse --dry-run --format --fields -h --help' "$cur"
			elif [[ $cur != = && $prev != = ]]; then
				_crm_files "$cur"
			fi
			;;
		esac
		;;
	cleanse)
		case $prev in
		--rule)
			_crm_words 'text name kana company phone email email-typo postal address' "$cur"
			;;
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--fields)
			_crm_files "$cur"
			;;
		--field | --since)
			;;
		*)
			_crm_words '--field --rule --check --dry-run --since --fields --save
				--format -h --help' "$cur"
			;;
		esac
		;;
	dedupe)
		case $prev in
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--survivor)
			_crm_words 'oldest newest most-complete' "$cur"
			;;
		--review-file | --decisions)
			_crm_files "$cur"
			;;
		--threshold | --review-threshold | --explain | --max-block | --max-merges | --since)
			;;
		*)
			_crm_words '--threshold --review-threshold --explain --max-block
				--since --review-file --apply --decisions --max-merges --survivor --dry-run --format -h --help' "$cur"
			;;
		esac
		;;
	rfm)
		case $prev in
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--returns)
			_crm_words 'net gross' "$cur"
			;;
		--method)
			_crm_words 'rank ntile quantile' "$cur"
			;;
		--scheme)
			_crm_words 'rfm11 cpm none' "$cur"
			;;
		--report)
			_crm_files "$cur"
			;;
		--horizon)
			_crm_words '3m 6m 12m 2y' "$cur"
			;;
		--as-of | --bins | --compare | --freeze-thresholds | --cpm-tenure | --cpm-amount | --cpm-lapse | --discount | --holdout)
			;;
		*)
			_crm_words '--as-of --returns --method --bins --scheme --cpm-tenure --cpm-amount --cpm-lapse --freeze-thresholds --ltv --horizon
				--discount --holdout --explain --report --save --dry-run --compare --format -h --help' "$cur"
			;;
		esac
		;;
	export)
		case $prev in
		--format)
			_crm_words 'csv tsv json table xlsx' "$cur"
			;;
		--header)
			_crm_words 'en ja' "$cur"
			;;
		--encoding)
			_crm_words 'utf-8 utf-8-bom cp932' "$cur"
			;;
		--purpose)
			_crm_words 'marketing service analysis provision' "$cur"
			;;
		--segment)
			_crm_words "$("$crm" segment list --format csv 2>/dev/null | sed -n '2,$s/,.*//p')" "$cur"
			;;
		--ids | -o)
			_crm_files "$cur"
			;;
		--where | --columns | --mask | --recipient | --as-of)
			;;
		*)
			_crm_words '--segment --where --ids --as-of --columns --header --format
				--excel --encoding --crlf --replace --no-formula-guard --mask --purpose
				--recipient --include-merged -o -h --help' "$cur"
			;;
		esac
		;;
	segment)
		case $prev in
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--scheme)
			_crm_files "$cur"
			;;
		--where | --as-of | --description | --since-export)
			;;
		segment)
			_crm_words 'list show count create drop snapshot diff lint fields
				-h --help' "$cur"
			;;
		show | count | drop | snapshot | diff)
			if [[ $cur == -* ]]; then
				_crm_words '--where --ids --as-of --since-export --dry-run
					--format -h --help' "$cur"
			else
				_crm_words "$("$crm" segment list --format csv \
					2>/dev/null | sed -n '2,$s/,.*//p')" "$cur"
			fi
			;;
		*)
			_crm_words '--where --ids --as-of --description --replace --since-export
				--scheme --dry-run --format -h --help' "$cur"
			;;
		esac
		;;
	log)
		case $prev in
		--format)
			_crm_words 'csv tsv json table' "$cur"
			;;
		--since | --actor | --command | --reason | -n)
			;;
		log)
			_crm_words 'show customer revert verify forget --since --actor
				--command -n --format --no-pager -h --help' "$cur"
			;;
		*)
			_crm_words '--since --actor --command -n --format --no-pager
				--dry-run --force --reason -h --help' "$cur"
			;;
		esac
		;;
	esac
}

_crm()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD-1]}
	local crm=${COMP_WORDS[0]} cmd= i=1

	COMPREPLY=()

	# The global options stop at the first word that is not one: that word
	# is the command. --db takes the next word, or the word after "=" when
	# COMP_WORDBREAKS splits "--db=FILE" into three.
	while ((i < COMP_CWORD)); do
		case ${COMP_WORDS[i]} in
		--db)
			((i++))
			[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			;;
		-*)
			;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
		((i++))
	done

	if [[ -z $cmd ]]; then
		if [[ $prev == --db || ($prev == = && ${COMP_WORDS[COMP_CWORD-2]} == --db) ]]; then
			[[ $cur == = ]] && cur=
			_crm_files "$cur"
		elif [[ $cur == --db=* ]]; then
			_crm_files "${cur#--db=}"
			COMPREPLY=("${COMPREPLY[@]/#/--db=}")
		elif [[ $cur == -* ]]; then
			_crm_words '--db -q --quiet -v --verbose --no-progress
				--version -h --help --list-cmds --list-opts' "$cur"
		else
			_crm_words "$(_crm_commands "$crm") help" "$cur"
		fi
		return 0
	fi

	if [[ $cmd == help ]]; then
		# crm help COMMAND: one command name, nothing after it.
		((COMP_CWORD == i + 1)) && _crm_words "$(_crm_commands "$crm")" "$cur"
		return 0
	fi
	# "--option=value" reaches us as "--option" "=" "value" when
	# COMP_WORDBREAKS holds "=": complete the value as if it were the word
	# after "--option".
	if [[ $cur == = && $prev == --* ]]; then
		cur=
	elif [[ $prev == = && ${COMP_WORDS[COMP_CWORD-2]} == --* ]]; then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	_crm_command "$cmd" "$prev" "$cur"
	return 0
}

complete -F _crm crm
