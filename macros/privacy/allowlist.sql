{#
    The privacy allow-list: every Silver, private and Gold table, each of its columns, and
    the kind of value each column may hold. A column or table that is not listed
    here fails the build (`dbt build`: data-tests/privacy/; `sage guard`).

    It is YAML, kept in a macro because a macro is the one kind of file dbt can
    read: the dbt tests read it through privacy_allowlist(), and `sage guard`,
    `sage retention` and `sage erase` read the same block (privacy/rules.py).
    Write no Jinja inside the block.

    To add a column: add it under its table with one of the kinds below, and let
    a reviewer check that the kind is right for what the column holds. `sage guard
    --propose` prints entries for whatever is built but not listed.
#}
{% macro privacy_allowlist() %}
{% set allowlist_yaml %}
# What personal data looks like. A value breaks a rule when the expression is
# found anywhere in it. The syntax is the one RE2 (DuckDB), Trino (Athena) and
# Python share: no look-arounds, no back-references, no named classes, and groups
# that do not capture, (?:...). They lean broad: a false alarm costs a look, a
# miss costs a leak.
patterns:
  email: '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}'
  # (415) 555-0100, 415-555-0100, +44 20 7946 0958, +14155550100; not a bare run
  # of digits (ids, dates and epoch times look the same)
  phone: '(?:^|[^0-9A-Za-z+])(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{3}\)|[0-9]{3})[ .-][0-9]{3}[ .-][0-9]{4}(?:$|[^0-9A-Za-z])|(?:^|[^0-9A-Za-z+])\+[0-9]{1,3}(?:[ .-][0-9]{1,5}){2,6}(?:$|[^0-9A-Za-z])|(?:^|[^0-9A-Za-z+])\+[0-9]{8,15}(?:$|[^0-9A-Za-z])'
  # four octets; not part of a longer dotted number such as a 5-part version
  ipv4: '(?:^|[^0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:$|[^0-9.])'
  # eight groups, or two or more around '::' (a /48 network counts: Silver keeps
  # those only in `network` columns)
  ipv6: '(?:^|[^0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?::[0-9A-Fa-f]{1,4}){1,7})(?:$|[^0-9A-Fa-f:])'
  # a raw id as the app's tables hold them
  uuid: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
  # a run of 12 or more hex digits: a hashed id (the app's unkeyed sha256, an md5,
  # or the first 12 or 16 digits of one) outside the columns declared to hold one
  hex_id: '[0-9A-Fa-f]{12,}'
  # a hashed id in base64 or base64url, 16 bytes or more (22 characters or more):
  # a run of the two alphabets' characters that mixes upper- and lower-case letters
  # and digits, as encoded random bytes do and words, codes and versions do not.
  # Not one expression: a `run` found anywhere in the text that matches each of
  # `with_all` (the engines' regexes have no look-ahead to say it in one).
  base64_id:
    run: '[A-Za-z0-9+/_-]{22,}'
    with_all: ['[A-Z]', '[a-z]', '[0-9]']
  # five or more words, or more than 120 characters: a sentence, not a code
  free_text: '[^\s]+(?:\s+[^\s]+){4,}|[\s\S]{121,}'

# The kinds a column can be declared with: the family of its SQL type, and the
# rules its values must pass. `forbid` lists patterns no value may contain;
# `format` is an expression every value must match whole; `not_a_source_id`
# means no value may equal an id as Bronze holds it (the app's unkeyed sha256).
# `key: true` marks a kind that identifies a person, an event or a network, and
# `restricted: true` one that holds a value a client or the app controls as it
# came: neither is ever published, and a Gold table with such a column fails
# (`gold_publishes_no_person`, `sage guard`).
kinds:
  code:
    description: a short label or code of a closed vocabulary (a price list's model id, a declared route, a country)
    type: text
    forbid: [email, phone, ipv4, ipv6, uuid, hex_id, base64_id, free_text]
  open_code:
    description: a short value a client or the app controls, as it came (a logged route or model id, a path, a referer host, a user-agent family, a locale, a region); restricted to Silver and the private layer, and published only through a closed vocabulary (macros/privacy/vocabulary.sql)
    type: text
    forbid: [email, phone, ipv4, ipv6, uuid, hex_id, base64_id, free_text]
    restricted: true
  label:
    description: a fixed label the model's own SQL writes (a panel title, a suppression note); may be a sentence, never personal data
    type: text
    forbid: [email, phone, ipv4, ipv6, uuid, hex_id, base64_id]
  code_list:
    description: a list of short labels (emotion labels); every element is checked as a code
    type: list
    forbid: [email, phone, ipv4, ipv6, uuid, hex_id, base64_id, free_text]
  pseudonym:
    description: a keyed pseudonym, HMAC-SHA256(SAGE_PEPPER, source id) in lower-case hex
    type: text
    format: '^[0-9a-f]{64}$'
    not_a_source_id: true
    key: true
  event_id:
    description: the lake's deterministic event id (32 lower-case hex, from the source record)
    type: text
    format: '^[0-9a-f]{32}$'
    key: true
  network:
    description: a client network, IPv4 truncated to its /24 or IPv6 to its /48, never an address
    type: text
    format: '^(?:[0-9]{1,3}\.){3}0/24$|^(?:[0-9a-f]{1,4}:){1,3}:/48$|^::/48$'
    key: true
  number:
    description: a number (count, measure, amount, index)
    type: number
  boolean:
    description: true or false
    type: boolean
  timestamp:
    description: a UTC timestamp
    type: timestamp
  date:
    description: a UTC date
    type: date

# How the engines' column types map to the families above (lower case; the part
# before any '(' is compared; a type ending in [] or starting with array is a list).
types:
  text: [varchar, string, char, text]
  number: [tinyint, smallint, integer, int, bigint, hugeint, utinyint, usmallint, uinteger, ubigint, uhugeint, decimal, numeric, double, float, real]
  boolean: [boolean, bool]
  timestamp: [timestamp, timestamptz, 'timestamp with time zone', datetime]
  date: [date]

# Where Bronze keeps the app's unkeyed ids (sha256 of the raw id). No value of a
# pseudonym column may equal one: that would be an unkeyed id in Silver or Gold.
bronze_source_ids:
  bronze_lambda_emf: [source_user_id, source_conversation_id]
  bronze_otel: [source_user_id, source_conversation_id]
  bronze_sentinel: [source_user_id, source_conversation_id]
  bronze_dynamodb_users: [source_user_id]
  bronze_dynamodb_conversations: [source_user_id, source_conversation_id]
  bronze_dynamodb_feedback: [source_user_id, source_conversation_id, source_feedback_id]

# Every Silver, private and Gold table (the relation's name in its layer's
# schema), its columns and their kinds. Silver and private tables also say which
# date column `sage retention` expires them by (2 years), or `keep` with the
# reason in a comment;
# and, when built incrementally, the column whose date is the Bronze partition
# (dt) a row was built from (`incremental_by`): in `dbt build` the source-id rule
# compares the rows the build wrote with the Bronze ids of those days on.
tables:
  silver:
    users:
      retention: updated_at  # the user's last recorded change
      incremental_by: updated_at
      columns:
        user_key: pseudonym
        country_code: open_code
        age_band: code
        plan: code
        locale: open_code
        marketing_opt_in: boolean
        is_deleted: boolean
        signed_up_at: timestamp
        signup_date: date
        last_active_at: timestamp
        deleted_at: timestamp
        updated_at: timestamp
        built_at: timestamp
    conversations:
      retention: updated_at
      incremental_by: updated_at
      columns:
        conversation_key: pseudonym
        user_key: pseudonym
        status: code
        model_id: open_code
        is_deleted: boolean
        turn_count: number
        started_at: timestamp
        started_date: date
        updated_at: timestamp
        built_at: timestamp
    feedback:
      retention: created_date
      incremental_by: updated_at
      columns:
        feedback_key: pseudonym
        user_key: pseudonym
        conversation_key: pseudonym
        turn_index: number
        rating: number
        has_comment: boolean
        is_deleted: boolean
        created_at: timestamp
        created_date: date
        updated_at: timestamp
        built_at: timestamp
    turns:
      retention: turn_date
      incremental_by: turn_date
      columns:
        event_id: event_id
        user_key: pseudonym
        conversation_key: pseudonym
        source: code
        price_id: code
        model_id: open_code
        route: open_code
        region: open_code
        device_class: open_code
        crisis_level: code
        is_priced: boolean
        turn_index: number
        latency_ms: number
        tokens_in: number
        tokens_out: number
        tokens_cache_read: number
        tokens_cache_write: number
        input_cost_usd: number
        output_cost_usd: number
        cache_read_cost_usd: number
        cache_write_cost_usd: number
        cost_usd: number
        cost_without_cache_usd: number
        app_reported_cost_usd: number
        turn_at: timestamp
        turn_date: date
        received_at: timestamp
        built_at: timestamp
    observations:
      retention: observed_date
      incremental_by: observed_date
      columns:
        event_id: event_id
        user_key: pseudonym
        conversation_key: pseudonym
        price_id: code
        turn_index: number
        sentiment_score: number
        emotions: code_list
        crisis_level: code
        observer_model_id: open_code
        observer_tokens_in: number
        observer_tokens_out: number
        observer_cost_usd: number
        observed_at: timestamp
        observed_date: date
        received_at: timestamp
        built_at: timestamp
    requests:
      retention: request_date
      incremental_by: request_date
      columns:
        event_id: event_id
        client_network: network
        country_code: code
        edge_location: code
        method: open_code
        site: open_code
        path_template: open_code
        referer_host: open_code
        protocol: code
        http_version: open_code
        browser_family: open_code
        os_family: open_code
        device_class: code
        is_bot: boolean
        status: number
        edge_result_type: code
        content_type: code
        bytes_sent: number
        bytes_received: number
        time_taken_ms: number
        time_to_first_byte_ms: number
        requested_at: timestamp
        request_date: date
        received_at: timestamp
        built_at: timestamp
    partner_telemetry:
      retention: occurred_date
      incremental_by: occurred_date
      columns:
        event_id: event_id
        partner_id: code
        model_id: code
        event_type: code
        status: code
        error_code: code
        sdk_version: code
        latency_ms: number
        ttft_ms: number
        tokens_in: number
        tokens_out: number
        occurred_at: timestamp
        occurred_date: date
        received_at: timestamp
        built_at: timestamp
    prices:
      retention: keep  # the price list, rebuilt from seeds/pricing.csv on every run; no one's data
      columns:
        price_id: code
        model_id: code
        provider: code
        valid_from_at: timestamp
        valid_to_at: timestamp
        input_usd_per_mtok: number
        output_usd_per_mtok: number
        cache_read_usd_per_mtok: number
        cache_write_usd_per_mtok: number

  private:
    # Restricted: a row per person. Kept like Silver (2 years, `sage retention`),
    # erased users deleted on every build; never published (models/private/).
    user_daily_activity:
      retention: activity_date
      columns:
        activity_date: date
        user_key: pseudonym
        device_class: open_code
        turns: number
        conversations: number
        conversations_started: number
        unpriced_turns: number
        crisis_flagged_turns: number
        tokens_in: number
        tokens_out: number
        tokens_cache_read: number
        tokens_cache_write: number
        cost_usd: number
        cost_without_cache_usd: number
        first_turn_at: timestamp
        last_turn_at: timestamp
    user_cost:
      retention: window_end_date  # rebuilt whole from user_daily_activity on every run
      columns:
        window_name: code
        window_start_date: date
        window_end_date: date
        user_key: pseudonym
        turns: number
        conversations: number
        active_days: number
        unpriced_turns: number
        tokens_in: number
        tokens_out: number
        tokens_cache_read: number
        tokens_cache_write: number
        cost_usd: number
        first_turn_at: timestamp
        last_turn_at: timestamp
    model_usage_daily:
      retention: turn_date
      columns:
        turn_date: date
        model_id: open_code
        turns: number
        unpriced_turns: number
        tokens_in: number
        tokens_out: number
        tokens_cache_read: number
        tokens_cache_write: number
        cost_usd: number
    vocabularies:
      retention: keep  # values of the closed vocabularies, declared or shared by many people; no one's data
      columns:
        dimension: code
        value: code
        basis: label

  gold:
    # cost
    cost_daily_by_model:
      columns:
        turn_date: date
        model_id: code
        users: number
        conversations: number
        turns: number
        otel_turns: number
        unpriced_turns: number
        tokens_in: number
        tokens_out: number
        tokens_cache_read: number
        tokens_cache_write: number
        cost_usd: number
    cost_daily_by_route:
      columns:
        turn_date: date
        route: code
        users: number
        turns: number
        unpriced_turns: number
        cost_usd: number
    cost_summary:
      columns:
        window_name: code
        window_start_date: date
        window_end_date: date
        period_start_at: timestamp
        period_end_at: timestamp
        users: number
        conversations: number
        turns: number
        unpriced_turns: number
        total_cost_usd: number
        avg_cost_per_user_usd: number
        avg_cost_ci_low_usd: number
        avg_cost_ci_high_usd: number
        avg_cost_ci_method: label
        max_cost_per_user_usd: number
        p50_cost_per_user_usd: number
        p90_cost_per_user_usd: number
        p99_cost_per_user_usd: number
        is_suppressed: boolean
        suppression_reason: label
    cost_distribution:
      columns:
        window_name: code
        window_start_date: date
        window_end_date: date
        bin_index: number
        cost_from_usd: number
        cost_to_usd: number
        users: number
        share_of_users: number
        window_users: number
        is_suppressed: boolean
        suppression_reason: label
    cache_savings_daily:
      columns:
        turn_date: date
        model_id: code
        turns: number
        turns_reading_cache: number
        tokens_cache_read: number
        tokens_cache_write: number
        cost_usd: number
        cost_without_cache_usd: number
        savings_usd: number
    cost_repricing:
      columns:
        month_start: date
        model_id: code
        current_price_id: code
        turns: number
        unpriced_turns: number
        cost_at_the_time_usd: number
        cost_at_current_prices_usd: number
        difference_usd: number
    latency_daily_by_model:
      columns:
        turn_date: date
        model_id: code
        turns: number
        mean_latency_ms: number
        p50_latency_ms: number
        p95_latency_ms: number
        p99_latency_ms: number

    # usage and activity
    active_users_daily:
      columns:
        activity_date: date
        dau: number
        wau: number
        mau: number
        dau_mau_ratio: number
        new_users: number
        returning_users: number
    activity_hourly:
      columns:
        activity_date: date
        hour_of_day: number
        day_of_week: number
        turns: number
        conversations_started: number
        active_users: number
    activity_heatmap:
      columns:
        day_of_week: number
        hour_of_day: number
        days_observed: number
        turns: number
        conversations_started: number
        avg_turns: number
        avg_active_users: number
    engagement:
      columns:
        window_name: code
        window_start_date: date
        window_end_date: date
        users: number
        conversations: number
        turns: number
        conversations_per_user: number
        conversations_per_user_ci_low: number
        conversations_per_user_ci_high: number
        turns_per_conversation: number
        turns_per_conversation_ci_low: number
        turns_per_conversation_ci_high: number
        median_turns_per_conversation: number
        ci_method: label

    # published panels: small cells suppressed (macros/stats/suppress_small_cells.sql)
    demographics_monthly:
      columns:
        month_start: date
        dimension: code
        value: code  # a country, plan, age band, browser, OS or device class
        unit: code
        people: number
        group_people: number
        share_of_group: number
        share_ci_low: number
        share_ci_high: number
        share_ci_method: label
        is_suppressed: boolean
        suppression_reason: label
    sentiment_weekly:
      columns:
        week_start: date
        users: number
        observations: number
        mean_sentiment: number
        mean_sentiment_ci_low: number
        mean_sentiment_ci_high: number
        ci_method: label
        is_suppressed: boolean
        suppression_reason: label
    emotions_weekly:
      columns:
        week_start: date
        emotion: code
        users_with_label: number
        observations_with_label: number
        share_of_observations: number
        share_ci_low: number
        share_ci_high: number
        share_ci_method: label
        is_suppressed: boolean
        suppression_reason: label
    crisis_weekly:
      columns:
        week_start: date
        crisis_level: code
        users: number
        people_observed: number
        turns: number
        share_of_turns: number
        share_ci_low: number
        share_ci_high: number
        share_ci_method: label
        is_suppressed: boolean
        suppression_reason: label
    transparency_quarterly:
      columns:
        quarter_start: date
        quarter_first_day: code
        active_users: number
        conversations: number
        turns: number
        users_flagged: number
        turns_flagged: number
        share_of_turns_flagged: number
        share_ci_low: number
        share_ci_high: number
        share_ci_method: label
        is_suppressed: boolean
        flags_suppressed: boolean
        suppression_reason: label
    transparency_crisis_levels:
      columns:
        quarter_start: date
        crisis_level: code
        users: number
        people_observed: number
        is_suppressed: boolean
        suppression_reason: label
    partner_model_daily:
      columns:
        event_date: date
        model_id: code
        events: number
        request_events: number
        stream_events: number
        error_events: number
        error_rate: number
        p50_latency_ms: number
        p95_latency_ms: number
        p99_latency_ms: number
        ttft_events: number
        p50_ttft_ms: number
        p95_ttft_ms: number
        p99_ttft_ms: number
        tokens_in: number
        tokens_out: number
        sdk_versions: number
        partner_id: code
        month: code
    partner_errors_daily:
      columns:
        event_date: date
        model_id: code
        error_code: code
        errors: number
        events: number
        error_rate: number
        partner_id: code
        month: code
{% endset %}
{{ return(fromyaml(allowlist_yaml)) }}
{% endmacro %}
