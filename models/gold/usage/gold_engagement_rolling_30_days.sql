-- Conversations per person and turns per conversation over the 30 days ending on
-- the last complete day.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ engagement_for('rolling_30_days') }}
