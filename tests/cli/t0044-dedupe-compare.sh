#!/bin/sh
# crm dedupe's comparisons (#14), each on a pair made for it: a family and
# a given name written in each other's columns are still compared (they
# share a block); birthdates a year or less apart are their own level;
# the postal code of one address counts once, with the address, and an
# email like the other once, with the name that makes it; and a
# value's frequency is that of the other customers who have it, so that a
# value two customers share has u = 1 / (N - 1), an address's within its
# postal code. Names written the other way round count no more than the
# same names straight (their frequency), and make an email like the
# other implied as straight ones do; the same local part at another
# domain is as common as that local part is elsewhere (ed@ is many
# people's), unless the domain is a slip of the other. At one home, a
# family name with a slip beside the same given name is one person, and
# a given name with a typo beside the same family name (a father and a son
# of one name, a brother and a sister of like names are still for review).
. "$SRCDIR/tests/cli/lib.sh"

plan 27

export CRM_USER=tester
data=$SRCDIR/tests/data/dedupe

"$CRM" -q import --lenient --country AU --source t "$data/model.csv" ||
	bail_out 'import of model.csv failed'

check 'names in each other'"'"'s columns, sharing a postal code only: compared, and listed' 0 \
	'match:^[0-9]+,2,t:A2,snell sophie,' ignore "$CRM" dedupe --format csv
check '... as close on both names' 0 'match:^given_name,sophie,snell,close,' empty \
	"$CRM" dedupe --explain t:A1,t:A2 --format csv
check 'birthdates 264 days apart: within a year' 0 \
	'match:^birthdate,19800301,19801120,within a year,[0-9.]+,[0-9.]+,[-+][0-9.]+$' empty \
	"$CRM" dedupe --explain t:B1,t:B2 --format csv
check '... 17 years apart: different' 0 'match:^birthdate,19750630,19920115,different,' empty \
	"$CRM" dedupe --explain t:C1,t:C2 --format csv
check 'one address: its postal code is implied, and weighs nothing' 0 \
	'match:^postal_code,3000,3000,implied,[0-9.]+,[0-9.]+,\+0\.00$' empty \
	"$CRM" dedupe --explain t:B1,t:B2 --format csv
check '... two addresses: the postal code counts' 0 \
	'match:^postal_code,2372,2372,exact,[0-9.]+,[0-9.]+,\+[1-9]' empty \
	"$CRM" dedupe --explain t:A1,t:A2 --format csv
check 'a family name two of the fourteen share: u is 1/13, the other customers'"'"' share' 0 \
	'match:^family_name,okafor,okafor,exact,[0-9.]+,0\.076923,' empty \
	"$CRM" dedupe --explain t:B1,t:B2 --format csv
check 'an address in four towns, two of them in one: u is 1/11 there (12 have an address and a postal code)' 0 \
	'match:^address,1 main street,1 main street,exact,[0-9.]+,0\.090909,' empty \
	"$CRM" dedupe --explain t:H1,t:H2 --format csv
check 'the same name: an email like the other is implied by it, and weighs nothing' 0 \
	'match:^email,james.taylor@example.com,james.taylor@example.org,implied,[0-9.]+,[0-9.]+,\+0\.00$' \
	empty "$CRM" dedupe --explain t:G1,t:G2 --format csv
printf 'id,family_name,given_name,email\nG1,taylor,james,james.taylor@example.com\nG3,tailor,james,james.taylor@example.org\n' > other.csv
"$CRM" -q --db other.db import --lenient --country AU --source t other.csv ||
	bail_out 'import of other.csv failed'
check '... another name: the email counts' 0 \
	'match:^email,james.taylor@example.com,james.taylor@example.org,close,[0-9.]+,[0-9.]+,[-+][0-9.]*[1-9]' \
	empty "$CRM" --db other.db dedupe --explain t:G1,t:G3 --format csv
# swap.csv: four William Taylors, one written the other way round; ed@
# at four domains; a domain with a slip; and 40 pairs of one person each
# (half with a slip in the family name) for EM to learn close names from.
"$CRM" -q --db swap.db import --lenient --country AU --source t "$data/swap.csv" ||
	bail_out 'import of swap.csv failed'
# weight PAIR FIELD: the weight --explain gives field of the pair.
weight()
{
	"$CRM" --db swap.db dedupe --explain "$1" --format csv | awk -F, -v f="$2" '$1 == f { print $7 }'
}
straight=$(weight t:S1,t:S3 family_name)
swapped=$(weight t:S1,t:S2 family_name)
diag "taylor william: straight $straight, the other way round $swapped"
assert 'common names the other way round weigh no more than straight (close weighed more)' \
	awk -v a="$swapped" -v b="$straight" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }'
check '... and are close' 0 'match:^family_name,taylor,william,close,' empty \
	"$CRM" --db swap.db dedupe --explain t:S1,t:S2 --format csv
check '... an email like the other is implied by them' 0 \
	'match:^email,w\.taylor@alpha\.example,w\.taylor@beta\.example,implied,[0-9.]+,[0-9.]+,\+0\.00$' \
	empty "$CRM" --db swap.db dedupe --explain t:S1,t:S2 --format csv
check 'ed@ at another domain: as common as ed@ is elsewhere (3 others of 99)' 0 \
	'match:^email,ed@one\.example,ed@two\.example,close,[0-9.]+,0\.030612,' empty \
	"$CRM" --db swap.db dedupe --explain t:L1,t:L2 --format csv
check '... but a slip in the domain is one address, not the local part'"'"'s frequency (4 of 99)' 0 \
	'match:^email,harryandrews@woods\.biz,harryandrews@woods\.bz,close,' empty \
	"$CRM" --db swap.db dedupe --explain t:M1,t:M2 --format csv
check '... (u not 4/98)' 0 'not-match:,0\.040816,' empty \
	"$CRM" --db swap.db dedupe --explain t:M1,t:M2 --format csv
check 'john.smith@ at yahoo.com and outlook.com: another domain (the domains compared, not the addresses)' 0 \
	'match:^email,john\.smith@yahoo\.com,john\.smith@outlook\.com,close,[0-9.]+,0\.030612,' empty \
	"$CRM" --db swap.db dedupe --explain t:J1,t:J2 --format csv
cat > kana.csv <<'EOF'
顧客番号,氏名,フリガナ,郵便番号,メールアドレス
A1,工藤 俊介,クドウ シュンスケ,1000001,shunsuke.kudo61@icloud.com
A2,俊介 工藤,シュンスケ クドウ,1000001,
A3,佐藤 花子,サトウ ハナコ,1000002,
A4,鈴木 一郎,スズキ イチロウ,1000003,
A5,工藤 俊介,クドウ シュンスケ,1000009,shunsuke.kudo61@gmail.com
EOF
"$CRM" -q --db kana.db import --source t kana.csv || bail_out 'import of kana.csv failed'
check 'names the other way round: their reading too, implied by them, not against' 0 \
	'match:^kana,クドウシユンスケ,シユンスケクドウ,implied,[0-9.]+,[0-9.]+,\+0\.00$' empty \
	"$CRM" --db kana.db dedupe --explain t:A1,t:A2 --format csv
check 'a Gmail address without its dots: the same name at another domain' 0 \
	'match:^email,shunsuke\.kudo61@icloud\.com,shunsukekudo61@gmail\.com,(close|implied),' empty \
	"$CRM" --db kana.db dedupe --explain t:A1,t:A5 --format csv
cat > home.csv <<'EOF'
id,family_name,given_name,birthdate,postal_code,address
K1,belperio,harriet,1916-01-15,3206,3 hawker place
K2,belperi,harriet,,3206,3 hawker place
F1,okafor,chidi,1950-01-01,3000,12 collins street
F2,okafor,chidi,,3000,12 collins street
N1,campbell,nicholas,1904-12-12,4655,87 poynton street
N2,campbell,nichooas,,4655,87 poynton street
B1,hughes,francis,1980-02-02,2600,4 lake road
B2,hughes,frances,,2600,4 lake road
S1,smith,john,1950-01-01,2700,8 high street
S2,smith jr,john,,2700,8 high street
N3,campbell,nichoals,,4655,87 poynton street
G1,gonzalez,maria,1970-05-05,2800,3 river road
G2,gonzález,maria,,2800,3 river road
W1,nguyen,linh,1975-06-30,2000,9 pitt street
W2,kowalski,anna,1969-09-09,6000,5 hay street
W3,murphy,sean,1988-04-04,4000,77 queen street
W4,brown,liam,1970-01-01,3100,1 main street
EOF
"$CRM" -q --db home.db import --lenient --country AU --source t home.csv ||
	bail_out 'import of home.csv failed'
"$CRM" --db home.db dedupe --format csv > home.out 2> /dev/null || bail_out 'dedupe of home.csv failed'
# home DESC ERE: a line of the report of home.csv matches ERE (not-match:ERE: none does).
home()
{
	case $2 in not-match:*) want=$2 ;; *) want=match:$2 ;; esac
	check "$1" 0 "$want" empty cat home.out
}
home 'one home, the same given name, the family name with a slip: merged' \
	'^[0-9]+,2,t:K2,harriet belperi,[-0-9.]+,merge$'
home '... a father and a son of one name there, one birthdate missing: for review' \
	'^[0-9]+,4,t:F2,chidi okafor,[-0-9.]+,review$'
home 'one home, the same family name, a typo in the given name: merged' \
	'^[0-9]+,6,t:N2,nichooas campbell,[-0-9.]+,merge$'
home '... a brother and a sister there, francis and frances: for review' \
	'^[0-9]+,8,t:B2,frances hughes,[-0-9.]+,review$'
home '... a son whose family name says so (smith jr): for review, no slip' \
	'^[0-9]+,[0-9]+,t:S2,john smith jr,[-0-9.]+,review$'
home '... two letters swapped at the end of a given name (nichoals): not a typo, for review' \
	'^[0-9]+,11,t:N3,nichoals campbell,[-0-9.]+,review$'
home '... (never merged)' 'not-match:,t:N3,.*,merge$'
home '... a slip of a letter, not of a byte (gonzalez, gonzález): merged' \
	'^[0-9]+,[0-9]+,t:G2,[^,]+,[-0-9.]+,merge$'
finish
