-- The floor of the build benchmark: one plain scan of the raw turn files, reading
-- every column. A Python format string: {files}; the SQL's own braces are doubled.
select
    count(*), max(event_id), max(uid), max(cid), max(model_id), max(event_at),
    sum(tokens_in + tokens_out + tokens_cache_read + tokens_cache_write + latency_ms + turn_index)
from read_json(
    '{files}', format = 'newline_delimited', compression = 'gzip', hive_partitioning = true,
    columns = {{
        'event_id': 'VARCHAR', 'source': 'VARCHAR', 'event_at': 'TIMESTAMP', 'received_at': 'TIMESTAMP',
        'schema_version': 'INTEGER', 'model_id': 'VARCHAR', 'route': 'VARCHAR', 'uid': 'VARCHAR',
        'cid': 'VARCHAR', 'turn_index': 'INTEGER', 'latency_ms': 'INTEGER', 'tokens_in': 'BIGINT',
        'tokens_out': 'BIGINT', 'tokens_cache_read': 'BIGINT', 'tokens_cache_write': 'BIGINT',
        'app_cost_usd': 'DOUBLE', 'region': 'VARCHAR', 'device': 'VARCHAR', 'crisis_flag': 'VARCHAR',
        'request_id': 'VARCHAR'
    }}
)
