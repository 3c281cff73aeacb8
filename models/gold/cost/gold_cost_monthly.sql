-- The cost per person of each calendar month, one row a month (is_complete_period
-- says whether it is over).
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ cost_summary_for('calendar_month') }}
