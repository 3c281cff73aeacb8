-- Synthesised Bronze turn lines for the build benchmark (see benchmarks/build.py).
-- A Python format string: {first}, {last}, {count}, {users}, {start}, {seconds},
-- {target}, {name}; braces of the SQL itself are doubled.
copy (
    with numbered as (
        select
            i,
            (hash(i * 2654435761 + 1) % 1000000) / 1e6 as r1,
            (hash(i * 2654435761 + 2) % 1000000) / 1e6 as r2,
            (hash(i * 2654435761 + 3) % 1000000) / 1e6 as r3,
            i // 8 as conversation_no
        from range({first}, {last}) as numbers (i)
    ),
    placed as (
        select
            *,
            floor({users} * pow((hash(conversation_no * 31 + 7) % 1000000) / 1e6, 3))::bigint as user_no,
            timestamp '{start}'
                + to_seconds(((conversation_no * 8 - {first}) * {seconds} // {count})::bigint)
                + to_seconds((i % 8) * 45) as event_ts
        from numbered
    )
    select
        to_json({{
            'event_id': substr(sha256('lambda_emf' || i::varchar), 1, 32),
            'source': 'lambda_emf',
            'event_at': strftime(event_ts, '%Y-%m-%dT%H:%M:%S.000Z'),
            'received_at': strftime(event_ts + interval 2 minute, '%Y-%m-%dT%H:%M:%S.000Z'),
            'schema_version': 1,
            'model_id': case
                when r1 < 0.66 then 'us.anthropic.claude-sonnet-4-6'
                when r1 < 0.84 then 'anthropic.claude-haiku-4-5-20251001-v1:0'
                when r1 < 0.93 then 'anthropic.claude-opus-4-6-v1'
                when r1 < 0.997 then 'anthropic.claude-opus-4-7'
                else 'anthropic.claude-3-5-sonnet-20240620-v1:0'
            end,
            'route': '/invoke',
            'uid': sha256('user-' || user_no::varchar),
            'cid': sha256('conversation-' || conversation_no::varchar),
            'turn_index': (i % 8)::integer,
            'latency_ms': (400 + r2 * 6000)::integer,
            'tokens_in': (20 + pow(r3, 4) * 20000)::bigint,
            'tokens_out': (30 + pow(r2, 3) * 2000)::bigint,
            'tokens_cache_read': case when i % 8 > 0 and r1 > 0.3 then 1800 + (i % 8) * 400 else 0 end,
            'tokens_cache_write': case when i % 8 = 0 and r1 > 0.3 then 1800 else 0 end,
            'app_cost_usd': null,
            'region': 'us-east',
            'device': case when r3 < 0.6 then 'mobile' when r3 < 0.94 then 'desktop' else 'tablet' end,
            'crisis_flag': case when r2 < 0.98 then null when r2 < 0.995 then 'low' else 'medium' end,
            'request_id': null
        }}) as line,
        strftime(event_ts, '%Y-%m-%d') as dt,
        strftime(event_ts, '%H') as hour
    from placed
) to '{target}' (
    format csv, header false, quote '', escape '', delimiter '\t',
    partition_by (dt, hour), compression gzip, file_extension 'ndjson.gz',
    filename_pattern '{name}_{{i}}', overwrite_or_ignore
)
