-- The cost per person over everything Silver holds: one row.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ cost_summary_for('all_time') }}
