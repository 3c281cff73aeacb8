-- The cost per person of the 30 days ending on the last complete day: one row, the
-- headline of `sage summary` and the dashboard.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ cost_summary_for('rolling_30_days') }}
