"""infra/: every Terraform file parses, checkov finds nothing unexplained, and the
declarations agree with the code they deploy (handlers, dbt schemas, profile
defaults, retention rules)."""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

import pytest
import yaml

from ingest import handler as ingest_handler
from lakehouse.settings import PROJECT_ROOT
from sage.checks.terraform import INFRA, MIN_REASON, parse, run_checkov, terraform_files


def unquote(value: Any) -> Any:
    """python-hcl2 keeps HCL's quotes on strings and keys; take them off, recursively."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [unquote(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): unquote(item) for key, item in value.items()}
    return value


@cache
def declarations() -> dict[str, Any]:
    """locals, variables and resources of the root module, by name."""
    found: dict[str, Any] = {"locals": {}, "variable": {}, "resource": {}}
    for path in sorted(INFRA.glob("*.tf")):
        parsed = unquote(parse(path))
        for block in parsed.get("locals", []):
            found["locals"].update(block)
        for block in parsed.get("variable", []):
            found["variable"].update(block)
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                for name, body in named.items():
                    found["resource"][f"{kind}.{name}"] = body
    return found


def test_every_terraform_file_parses():
    files = terraform_files()
    assert len(files) >= 10
    for path in files:
        assert parse(path), path


def test_checkov_passes_or_says_why():
    result = run_checkov()
    assert len(result.passed) > 100
    assert not result.failed, "\n".join(
        f"{check['check_id']} {check['resource']}: {check['check_name']}" for check in result.failed
    )
    assert not result.unexplained_skips()
    # Every skip comment in the files carries a reason, whether checkov used it or not.
    for path in terraform_files():
        for reason in re.findall(r"#checkov:skip=CKV\w*_\d+:(.*)", path.read_text()):
            assert len(reason.strip()) >= MIN_REASON, path


def test_lambda_handlers_exist():
    handlers = [
        body["handler"]
        for name, body in declarations()["resource"].items()
        if name.startswith("aws_lambda_function.")
    ]
    assert handlers
    for handler in handlers:
        module, function = handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function)), handler


def test_raw_sources_are_sources_the_ingest_knows():
    from ingest.sources import SOURCES

    raw_sources = declarations()["variable"]["raw_sources"]["default"]
    assert set(raw_sources) <= set(SOURCES)


def test_glue_databases_are_the_dbt_schemas():
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    schemas = {
        config["+schema"]
        for section in ("models", "seeds")
        for config in project[section]["innerverse"].values()
        if isinstance(config, dict) and "+schema" in config
    }
    schemas |= {"reference"} if "+schema" in project["seeds"]["innerverse"] else set()
    schemas.add("lake")  # macros/lake/lake_relations.sql: lake_schema()
    assert set(declarations()["locals"]["dbt_layers"]) == schemas


def test_profile_defaults_name_the_declared_buckets():
    """The athena target's defaults point at the buckets `terraform apply` makes with
    its default name, so the defaults work as they are."""
    name = declarations()["variable"]["name"]["default"]
    buckets = {f"{name}-{key}" for key in declarations()["locals"]["buckets"]}
    texts = (PROJECT_ROOT / "profiles.example.yml").read_text() + (
        PROJECT_ROOT / "dbt_project.yml"
    ).read_text()
    named = set(re.findall(r"'s3://([a-z0-9-]+)/", texts))
    assert named and named <= buckets


@pytest.mark.parametrize(
    ("bucket", "expiry"),
    [
        ("lake", {"bronze/": 90, "quarantine/": 30, "partner/": 62}),
        ("raw", {"": 90}),
        ("athena-results", {"": 7}),
        ("partner-bundles", {"": 30}),
        # Iceberg tables: S3 must never expire a file a table still references;
        # retention and erasure are DELETE + VACUUM in SQL.
        ("silver", {}),
        ("gold", {}),
    ],
)
def test_bucket_retention(bucket, expiry):
    assert declarations()["locals"]["buckets"][bucket]["expire_days"] == expiry


def test_no_bucket_is_locked_against_erasure():
    """Erasure rewrites Bronze objects within 30 days and partner cleanup deletes a
    delivered month: object lock would keep the old versions. The audit trail is the
    hash-chained DynamoDB table."""
    buckets = declarations()["locals"]["buckets"]
    assert all(settings["lock_days"] == 0 for settings in buckets.values())


def test_app_tables_stream_old_and_new_images():
    table = declarations()["resource"]["aws_dynamodb_table.app"]
    assert table["stream_enabled"] is True
    assert table["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    assert set(declarations()["variable"]["app_tables"]["default"]) == {
        "users", "conversations", "feedback", "observations"
    }  # fmt: skip


def test_workgroups_limit_every_query():
    """Both workgroups cancel a query past the scan limit; the one the dashboard and
    analysts use also enforces where (and how encrypted) results go."""
    resources = declarations()["resource"]
    for name in ("analytics", "dbt"):
        configuration = resources[f"aws_athena_workgroup.{name}"]["configuration"][0]
        cutoff = configuration["bytes_scanned_cutoff_per_query"]
        assert cutoff == "${var.athena_bytes_scanned_cutoff}", name
    analytics = resources["aws_athena_workgroup.analytics"]["configuration"][0]
    assert analytics["enforce_workgroup_configuration"] is True
    cutoff = declarations()["variable"]["athena_bytes_scanned_cutoff"]["default"]
    assert 10 * 1024**2 <= cutoff <= 1024**4


def test_dbt_and_the_dashboard_use_their_own_workgroups():
    outputs = {}
    for block in unquote(parse(INFRA / "outputs.tf"))["output"]:
        outputs.update(block)
    dbt = outputs["environment"]["value"]["SAGE_ATHENA_WORKGROUP"]
    dashboard = outputs["dashboard_environment"]["value"]["SAGE_ATHENA_WORKGROUP"]
    assert dbt == "${aws_athena_workgroup.dbt.name}"
    assert dashboard == "${aws_athena_workgroup.analytics.name}"


def test_the_partner_api_needs_a_partner_token_and_runs_the_partner_handler():
    """The handler holds every event to the token's partner_id claim: the route must
    not be reachable without one."""
    resources = declarations()["resource"]
    route = resources["aws_apigatewayv2_route.partner_telemetry"]
    assert route["route_key"] == "POST /v1/telemetry"
    assert route["authorization_type"] == "JWT"
    function = resources["aws_lambda_function.partner_ingest"]
    assert function["handler"] == "ingest.handler.partner_telemetry_handler"
    assert callable(ingest_handler.partner_telemetry_handler)
    variables = function["environment"][0]["variables"]
    assert {"SAGE_LAKE", "SAGE_AUDIT_TABLE"} <= set(variables)  # scrub violations are audited
    log_format = resources["aws_apigatewayv2_stage.partner_telemetry"]["access_log_settings"][0]
    assert "body" not in log_format["format"] and "Authorization" not in log_format["format"]


def test_the_otlp_endpoint_takes_only_signed_requests_and_runs_the_otlp_handler():
    """Spans carry user ids: the function URL is never open to unsigned requests."""
    resources = declarations()["resource"]
    url = resources["aws_lambda_function_url.otlp_ingest"]
    assert url["authorization_type"] == "AWS_IAM"
    function = resources["aws_lambda_function.otlp_ingest"]
    assert function["handler"] == "ingest.handler.otlp_http_handler"
    variables = function["environment"][0]["variables"]
    assert {"SAGE_LAKE", "SAGE_OTEL_USER_ATTRIBUTES", "SAGE_OTEL_CONVERSATION_ATTRIBUTES"} <= set(
        variables
    )
    permission = resources["aws_lambda_permission.otlp_exporters"]
    assert permission["function_url_auth_type"] == "AWS_IAM"


def test_the_dashboard_policy_denies_every_layer_but_gold_and_the_price_list():
    """The per-person tables (<schema>_private), Silver, Bronze and the lake are denied
    to the dashboard and BI role outright, whatever else the role is granted."""
    layers = set(declarations()["locals"]["dbt_layers"])
    restricted = set(declarations()["locals"]["restricted_layers"])
    assert "private" in restricted and layers - restricted == {"gold", "reference"}
    text = (INFRA / "iam.tf").read_text()
    policy = text[text.index('resource "aws_iam_policy" "dashboard_read"') :]
    deny = policy[: policy.index('Sid      = "NeverRestrictedFiles"')]
    assert 'Effect = "Deny"' in deny and "local.restricted_layers" in deny
    assert 'module.bucket["silver"]' in policy[policy.index("NeverRestrictedFiles") :]


def test_every_function_that_writes_the_audit_log_gets_the_key_from_ssm():
    """A function given the audit table appends to it, which needs the audit key; the
    key comes from an SSM SecureString, never from a value in the repository."""
    resources = declarations()["resource"]
    writers = [
        body["environment"][0]["variables"]
        for name, body in resources.items()
        if name.startswith("aws_lambda_function.")
        and "SAGE_AUDIT_TABLE" in body.get("environment", [{}])[0].get("variables", {})
    ]
    assert len(writers) >= 3
    for variables in writers:
        assert variables["SAGE_AUDIT_KEY"] == "${local.audit_key}"
    assert declarations()["locals"]["audit_key"] == "${data.aws_ssm_parameter.audit_key.value}"


def test_quicksight_reads_gold_through_the_gold_only_role():
    """The QuickSight data source queries Athena in the analytics workgroup as a role
    whose one grant of data is the dashboard-read-gold policy, which denies every
    layer but Gold; its extra grant is the Athena connector's metadata calls."""
    resources = declarations()["resource"]
    source = resources["aws_quicksight_data_source.gold"]
    athena = source["parameters"][0]["athena"][0]
    assert source["type"] == "ATHENA"
    assert athena["work_group"] == "${aws_athena_workgroup.analytics.name}"
    assert athena["role_arn"] == "${aws_iam_role.bi_gold_reader.arn}"
    assert source["ssl_properties"][0]["disable_ssl"] is False
    attachment = resources["aws_iam_role_policy_attachment.bi_gold_reader"]
    assert attachment["policy_arn"] == "${aws_iam_policy.dashboard_read.arn}"
    assert "quicksight.amazonaws.com" in str(resources["aws_iam_role.bi_gold_reader"])
    connector = str(resources["aws_iam_role_policy.bi_gold_reader_connector"])
    assert "s3:" not in connector and "glue:" not in connector  # data stays behind the policy


def test_quicksight_datasets_are_the_gold_tables_as_their_contracts_declare():
    """infra/bi_datasets.json (a dataset each) lists every Gold table but the partners'
    own, with the columns and types of the model's contract."""
    from sage.checks.bi_datasets import DATASETS_FILE, gold_tables, main, render

    assert main([]) == 0
    assert DATASETS_FILE.read_text() == render(gold_tables())
    tables = gold_tables()
    gold_models = {
        path.stem.removeprefix("gold_")
        for path in (PROJECT_ROOT / "models" / "gold").rglob("*.sql")
        if path.parent.name != "partners"
    }
    assert set(tables) == gold_models
    for table in tables.values():
        assert {column["type"] for column in table["columns"]} <= {
            "STRING", "INTEGER", "DECIMAL", "DATETIME", "BOOLEAN",
        }  # fmt: skip
    data_set = declarations()["resource"]["aws_quicksight_data_set.gold"]
    relational = data_set["physical_table_map"][0]["relational_table"][0]
    assert relational["schema"] == '${local.glue_databases["gold"]}'
    assert relational["catalog"] == "AwsDataCatalog"
    assert "bi_datasets.json" in declarations()["locals"]["bi_datasets"]


def test_a_stale_dataset_list_is_reported(tmp_path, monkeypatch, capsys):
    from sage.checks import bi_datasets

    stale = tmp_path / "bi_datasets.json"
    stale.write_text("{}\n")
    monkeypatch.setattr(bi_datasets, "DATASETS_FILE", stale)
    assert bi_datasets.main([]) == 1
    assert "does not match the Gold models' contracts" in capsys.readouterr().err


def test_the_bi_exposure_lists_every_dataset():
    """dbt docs' lineage reaches the BI tool: the `bi_datasets` exposure depends on
    exactly the Gold tables QuickSight gets a dataset of."""
    from sage.checks.bi_datasets import gold_tables

    exposures = yaml.safe_load((PROJECT_ROOT / "models" / "gold" / "_exposures.yml").read_text())
    (bi,) = [item for item in exposures["exposures"] if item["name"] == "bi_datasets"]
    assert set(bi["depends_on"]) == {f"ref('{table['model']}')" for table in gold_tables().values()}


def test_the_daily_rollup_runs_its_command_code_on_a_schedule_one_run_at_a_time():
    from lakehouse.rollup import LATE_DAYS_ENV

    resources = declarations()["resource"]
    function = resources["aws_lambda_function.rollup"]
    assert function["handler"] == "lakehouse.handler.rollup_handler"
    assert function["reserved_concurrent_executions"] == 1
    variables = function["environment"][0]["variables"]
    assert variables[LATE_DAYS_ENV] == "${tostring(var.rollup_late_days)}"
    assert variables["SAGE_LAKE"] == "${local.lake_url}"
    rule = resources["aws_cloudwatch_event_rule.rollup"]
    assert rule["schedule_expression"] == "${var.rollup_schedule}"
    assert declarations()["variable"]["rollup_schedule"]["default"].startswith("cron(")
    assert resources["aws_cloudwatch_event_target.rollup"]["arn"] == (
        "${aws_lambda_function.rollup.arn}"
    )
    # It may rewrite and delete Bronze objects, and nothing else in the lake.
    policy = resources["aws_iam_role_policy.rollup"]["policy"]
    assert '"s3:DeleteObject"' in policy or "s3:DeleteObject" in policy
    assert "${local.lake_bucket.arn}/bronze/*" in policy
    assert "quarantine" not in policy and "erasure" not in policy
