-- People in cost bins over the 30 days ending on the last complete day.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ cost_distribution_for('rolling_30_days') }}
