#!/usr/bin/env bash
# Median CPU time (user+sys, sqlite3 .timer) of report_deals' SQL on a populated database, 7 runs each after one warm-up.
db="$1"
MAJOR="(CASE WHEN d.currency IN ('JPY','KRW','ISK','CLP','VND') THEN d.amount_minor * 1.0 WHEN d.currency IN ('BHD','KWD','JOD','OMR','TND') THEN d.amount_minor / 1000.0 ELSE d.amount_minor / 100.0 END)"
AGG="d.stage_id AS StageId, d.currency AS Currency, COUNT(*) AS Deals, COUNT(d.amount_minor) AS Amounts, SUM(d.amount_minor / 1000000000) AS High, SUM(d.amount_minor % 1000000000) AS Low, MIN(d.amount_minor) AS MinAmount, MAX(d.amount_minor) AS MaxAmount, COUNT(d.closed_at) AS Closed"
declare -A Q
Q[stage]="SELECT $AGG, NULL AS Days FROM deals d GROUP BY d.currency, d.stage_id"
Q[created_month]="SELECT substr(d.created_at, 1, 7) AS g0, $AGG, NULL AS Days FROM deals d GROUP BY g0, d.currency, d.stage_id"
Q[closed_quarter]="SELECT substr(d.closed_at, 1, 4) || '-Q' || ((CAST(substr(d.closed_at, 6, 2) AS INTEGER) + 2) / 3) AS g0, $AGG, SUM(julianday(d.closed_at) - julianday(d.created_at)) AS Days FROM deals d WHERE d.closed_at IS NOT NULL GROUP BY g0, d.currency, d.stage_id"
Q[filtered]="SELECT $AGG, NULL AS Days FROM deals d JOIN stages s ON s.id = d.stage_id WHERE lower(s.kind) = lower('open') AND $MAJOR >= 500000 AND d.is_draft = 0 GROUP BY d.currency, d.stage_id"
for name in stage created_month closed_quarter filtered; do
  times=$( { echo ".timer on"; for i in 1 2 3 4 5 6 7 8; do echo "${Q[$name]};"; done; } | sqlite3 "$db" 2>&1 | grep "Run Time" | tail -7 | awk '{printf "%.1f\n", ($6+$8)*1000}' | sort -n)
  median=$(echo "$times" | sed -n 4p); min=$(echo "$times" | head -1); max=$(echo "$times" | tail -1)
  plan=$(echo "EXPLAIN QUERY PLAN ${Q[$name]};" | sqlite3 "$db" | grep -o "USING [A-Z ]*INDEX [a-z_0-9]*\|SCAN [a-z]*$\|TEMP B-TREE" | head -2 | paste -sd, -)
  echo "| $name | $median ($min–$max) | $plan |"
done
