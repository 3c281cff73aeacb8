-- People in cost bins, per calendar month.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ cost_distribution_for('calendar_month') }}
