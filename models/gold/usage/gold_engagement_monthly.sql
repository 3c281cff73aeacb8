-- Conversations per person and turns per conversation, per calendar month.
-- The SQL is shared by every period (macros/gold/period_statistics.sql).
{{ engagement_for('calendar_month') }}
