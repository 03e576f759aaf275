# fish completion for crm(1).
#
# The command names come from `crm --list-cmds` at completion time, so a new
# command completes as soon as the binary has it. Its options do not: each
# command has one block at the end of this file, under "Each command's
# options", and tests/cli/t0004-docs.sh fails for a command without one (it
# looks for "__crm_using_command NAME").

# Prints the command names of the crm being completed, one per line.
function __crm_list_cmds
    set -l crm (commandline -opc)[1]
    command $crm --list-cmds 2>/dev/null
end

# Prints the command word of the command line, if it has one yet: the first
# word that is not a global option (--db takes the word after it).
function __crm_command
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case --db
                set -e words[1]
            case '-*'
            case '*'
                echo $words[1]
                return 0
        end
        set -e words[1]
    end
    return 1
end

function __crm_needs_command
    not __crm_command >/dev/null
end

# True if the command is $argv[1].
function __crm_using_command
    set -l cmd (__crm_command)
    and test "$cmd" = $argv[1]
end

# True for the word right after "crm help".
function __crm_help_needs_topic
    set -l words (commandline -opc)
    __crm_using_command help
    and test "$words[-1]" = help
end

# No file names unless an option asks for them.
complete -c crm -f

# Global options, before the command.
complete -c crm -n __crm_needs_command -l db -r -F -d 'Use this database file'
complete -c crm -n __crm_needs_command -s q -l quiet -d 'Print errors only'
complete -c crm -n __crm_needs_command -s v -l verbose -d 'Say more about what is done'
complete -c crm -n __crm_needs_command -l no-progress -d 'Never draw a progress bar'
complete -c crm -n __crm_needs_command -l version -d 'Print the version and exit'
complete -c crm -n __crm_needs_command -s h -l help -d 'Print the usage and exit'
complete -c crm -n __crm_needs_command -l list-cmds -d 'Print the command names and exit'
complete -c crm -n __crm_needs_command -l list-opts -x -a '(__crm_list_cmds)' -d 'Print the options of a command and exit'

# The commands.
complete -c crm -n __crm_needs_command -a '(__crm_list_cmds)' -d 'Command'
complete -c crm -n __crm_needs_command -a help -d 'Show the manual page of a command'
complete -c crm -n __crm_help_needs_topic -a '(__crm_list_cmds)' -d 'Command'

# Each command's options: one block per command.

# crm init
complete -c crm -n '__crm_using_command init' -s h -l help -d 'Print the usage and exit'

# crm import
complete -c crm -n '__crm_using_command import' -F
complete -c crm -n '__crm_using_command import' -l kind -x -a 'customers orders interactions' -d 'The kind of records in the files'
complete -c crm -n '__crm_using_command import' -l source -x -d 'The system the files come from'
complete -c crm -n '__crm_using_command import' -l customer-source -x -d 'The source whose customer keys the records use'
complete -c crm -n '__crm_using_command import' -l key -x -d 'The column that identifies a record in its source'
complete -c crm -n '__crm_using_command import' -l map -x -d 'Send COLUMN=FIELD: a column to a field, to extra, or to -'
complete -c crm -n '__crm_using_command import' -l encoding -x -a 'auto utf-8 cp932' -d 'The encoding of the input'
complete -c crm -n '__crm_using_command import' -l rejects -r -F -d 'Where rejected rows go'
complete -c crm -n '__crm_using_command import' -l strict -d 'Any rejected row aborts its file'
complete -c crm -n '__crm_using_command import' -l lenient -d 'Store rows with bad fields left empty, customers known by any name, email or phone'
complete -c crm -n '__crm_using_command import' -l country -x -a 'JP US AU NZ GB IE CA DE FR IT ES NL CN KR TW HK SG' -d 'The country of customers whose row names none'
complete -c crm -n '__crm_using_command import' -l allow-erased -d 'Import records of people erased at their request'
complete -c crm -n '__crm_using_command import' -l no-cleanse -d 'Store values as the file wrote them'
complete -c crm -n '__crm_using_command import' -l dry-run -d 'Do everything, report, then roll back'
complete -c crm -n '__crm_using_command import' -l format -x -a 'csv tsv json table' -d 'How --dry-run lists the values it would normalize'
complete -c crm -n '__crm_using_command import' -l fields -r -F -d 'Field definitions, crm-fields(5)'
complete -c crm -n '__crm_using_command import' -s h -l help -d 'Print the usage and exit'

# crm log
complete -c crm -n '__crm_using_command log' -a 'show customer revert verify forget' -d 'Log command'
complete -c crm -n '__crm_using_command log' -l since -x -d 'Only what happened on or after the date'
complete -c crm -n '__crm_using_command log' -l actor -x -d 'Only runs of this actor'
complete -c crm -n '__crm_using_command log' -l command -x -d 'Only runs of this command'
complete -c crm -n '__crm_using_command log' -s n -x -d 'At most this many runs'
complete -c crm -n '__crm_using_command log' -l format -x -a 'csv tsv json table' -d 'The output format'
complete -c crm -n '__crm_using_command log' -l no-pager -d 'Never page a table'
complete -c crm -n '__crm_using_command log' -l dry-run -d 'Show what would change, then roll back'
complete -c crm -n '__crm_using_command log' -l force -d 'Revert what is still as the run left it'
complete -c crm -n '__crm_using_command log' -l reason -x -d 'Why the person is erased'
complete -c crm -n '__crm_using_command log' -s h -l help -d 'Print the usage and exit'

# crm dedupe
complete -c crm -n '__crm_using_command dedupe' -l threshold -x -d 'Merge pairs of at least this match weight, in bits'
complete -c crm -n '__crm_using_command dedupe' -l review-threshold -x -d 'List pairs of at least this weight for review'
complete -c crm -n '__crm_using_command dedupe' -l explain -x -d 'Show the weight of each field of one pair (ID1,ID2)'
complete -c crm -n '__crm_using_command dedupe' -l max-block -x -d 'Skip blocks of more customers than this'
complete -c crm -n '__crm_using_command dedupe' -l since -x -d 'Only pairs with a customer that run or a later one changed'
complete -c crm -n '__crm_using_command dedupe' -l review-file -r -F -d 'Also write the pairs to review, side by side'
complete -c crm -n '__crm_using_command dedupe' -l apply -d 'Merge the clusters of the merge band, as one run'
complete -c crm -n '__crm_using_command dedupe' -l decisions -r -F -d 'Merge the same pairs of a filled-in review file; keep different ones apart'
complete -c crm -n '__crm_using_command dedupe' -l max-merges -x -d 'With --apply: merge nothing if more would be merged'
complete -c crm -n '__crm_using_command dedupe' -l survivor -x -a 'oldest newest most-complete' -d 'Which customer of a cluster stays'
complete -c crm -n '__crm_using_command dedupe' -l dry-run -d 'With --apply: merge, report, then roll back'
complete -c crm -n '__crm_using_command dedupe' -l format -x -a 'csv tsv json table' -d 'The output format'
complete -c crm -n '__crm_using_command dedupe' -s h -l help -d 'Print the usage and exit'

# crm cleanse
complete -c crm -n '__crm_using_command cleanse' -l field -x -d 'Only this customer field'
complete -c crm -n '__crm_using_command cleanse' -l rule -x -a 'text name kana company phone email email-typo postal address' -d 'Only this rule'
complete -c crm -n '__crm_using_command cleanse' -l check -d 'Change nothing; list what breaks the field definitions'
complete -c crm -n '__crm_using_command cleanse' -l dry-run -d 'List the changes it would make, then roll back'
complete -c crm -n '__crm_using_command cleanse' -l since -x -d 'Only customers that run or a later one changed'
complete -c crm -n '__crm_using_command cleanse' -l fields -r -F -d 'Field definitions, crm-fields(5)'
complete -c crm -n '__crm_using_command cleanse' -l save -d 'Store the --fields file in the database'
complete -c crm -n '__crm_using_command cleanse' -l format -x -a 'csv tsv json table' -d 'The output format'
complete -c crm -n '__crm_using_command cleanse' -s h -l help -d 'Print the usage and exit'

# crm rfm
complete -c crm -n '__crm_using_command rfm' -l as-of -x -d 'Score as of this day, YYYY-MM-DD'
complete -c crm -n '__crm_using_command rfm' -l returns -x -a 'net gross' -d 'How cancellations and returns count'
complete -c crm -n '__crm_using_command rfm' -l method -x -a 'rank ntile quantile' -d 'How values become scores'
complete -c crm -n '__crm_using_command rfm' -l bins -x -d 'Scores from 1 to n'
complete -c crm -n '__crm_using_command rfm' -l scheme -x -a 'rfm11 cpm none' -d 'Segment names'
complete -c crm -n '__crm_using_command rfm' -l cpm-tenure -x -d 'cpm: days of tenure for コツコツ and 優良 (d1,d2)'
complete -c crm -n '__crm_using_command rfm' -l cpm-amount -x -d 'cpm: the money of 流行 and 優良'
complete -c crm -n '__crm_using_command rfm' -l cpm-lapse -x -d 'cpm: days without a purchase that make 離脱'
complete -c crm -n '__crm_using_command rfm' -l freeze-thresholds -x -d 'Score with the thresholds of a run\'s snapshot'
complete -c crm -n '__crm_using_command rfm' -l report -r -F -d 'Also write the picture as one HTML file'
complete -c crm -n '__crm_using_command rfm' -l ltv -d 'Also predict what each customer is worth (LTV)'
complete -c crm -n '__crm_using_command rfm' -l horizon -x -a '3m 6m 12m 2y' -d '--ltv: how far to predict'
complete -c crm -n '__crm_using_command rfm' -l discount -x -d '--ltv: discount the value at this rate a year'
complete -c crm -n '__crm_using_command rfm' -l holdout -x -d '--ltv: also check the fit on the last days'
complete -c crm -n '__crm_using_command rfm' -l explain -d 'Print the values each score stands for'
complete -c crm -n '__crm_using_command rfm' -l save -d 'Keep the scores as a snapshot, in a run'
complete -c crm -n '__crm_using_command rfm' -l dry-run -d 'With --save: save, report, then roll back'
complete -c crm -n '__crm_using_command rfm' -l compare -x -d 'Who moved between the snapshot of a run and now'
complete -c crm -n '__crm_using_command rfm' -l format -x -a 'csv tsv json table' -d 'The output format'
complete -c crm -n '__crm_using_command rfm' -s h -l help -d 'Print the usage and exit'

# crm segment
complete -c crm -n '__crm_using_command segment' -a 'list show count create drop snapshot diff lint fields' -d 'Segment command'
complete -c crm -n '__crm_using_command segment' -l where -x -d 'An expression instead of a saved segment'
complete -c crm -n '__crm_using_command segment' -l ids -d 'show: the ids alone, one per line'
complete -c crm -n '__crm_using_command segment' -l as-of -x -d 'Evaluate as on this day, YYYY-MM-DD'
complete -c crm -n '__crm_using_command segment' -l description -x -d 'create: what the segment is for'
complete -c crm -n '__crm_using_command segment' -l replace -d 'create: change a saved segment\'s expression'
complete -c crm -n '__crm_using_command segment' -l since-export -x -d 'show: who of an export\'s recipients bought afterwards'
complete -c crm -n '__crm_using_command segment' -l scheme -r -F -d 'lint: the cells of an RFM scheme file'
complete -c crm -n '__crm_using_command segment' -l dry-run -d 'Do it and report it, then roll back'
complete -c crm -n '__crm_using_command segment' -l format -x -a 'csv tsv json table' -d 'The output format'
complete -c crm -n '__crm_using_command segment' -s h -l help -d 'Print the usage and exit'

# crm export
complete -c crm -n '__crm_using_command export' -l segment -x -d 'The customers of a segment'
complete -c crm -n '__crm_using_command export' -l where -x -d 'The customers an expression matches'
complete -c crm -n '__crm_using_command export' -l ids -r -F -d 'The customers named in a file, or - for stdin'
complete -c crm -n '__crm_using_command export' -l as-of -x -d 'Evaluate the segment as on this day'
complete -c crm -n '__crm_using_command export' -l columns -x -d 'The columns, in order'
complete -c crm -n '__crm_using_command export' -l header -x -a 'en ja' -d 'The header row\'s language'
complete -c crm -n '__crm_using_command export' -l format -x -a 'csv tsv json table xlsx' -d 'The output format'
complete -c crm -n '__crm_using_command export' -l excel -d 'CSV as Excel opens it: UTF-8 with BOM, CRLF'
complete -c crm -n '__crm_using_command export' -l encoding -x -a 'utf-8 utf-8-bom cp932' -d 'csv and tsv: the encoding'
complete -c crm -n '__crm_using_command export' -l crlf -d 'csv and tsv: end lines with CRLF'
complete -c crm -n '__crm_using_command export' -l replace -d 'cp932: write ? for a character it lacks'
complete -c crm -n '__crm_using_command export' -l no-formula-guard -d 'Do not neutralise cells starting = + - @'
complete -c crm -n '__crm_using_command export' -l mask -x -d 'Mask these columns'
complete -c crm -n '__crm_using_command export' -l purpose -x -a 'marketing service analysis provision' -d 'Why the data goes out'
complete -c crm -n '__crm_using_command export' -l recipient -x -d 'To whom, for a provision'
complete -c crm -n '__crm_using_command export' -l include-merged -d 'Also the records merged into others'
complete -c crm -n '__crm_using_command export' -s o -r -F -d 'Write to this file'
complete -c crm -n '__crm_using_command export' -s h -l help -d 'Print the usage and exit'
