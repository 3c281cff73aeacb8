# What the dbt profile's athena target and the ingest need (see the README).
output "environment" {
  description = "Export these before `dbt build --target athena` / `sage build --target athena`."
  value = {
    AWS_REGION                 = var.region
    SAGE_TARGET                = "athena"
    SAGE_LAKE                  = local.lake_url
    SAGE_ATHENA_SCHEMA         = var.dbt_schema
    SAGE_ATHENA_WORKGROUP      = aws_athena_workgroup.dbt.name
    SAGE_ATHENA_S3_STAGING_DIR = "${local.athena_results}/dbt/"
    SAGE_ATHENA_S3_DATA_DIR    = "s3://${module.bucket["silver"].bucket}/tables/"
    SAGE_ATHENA_GOLD_DATA_DIR  = "s3://${module.bucket["gold"].bucket}/tables/"
    SAGE_PARTNER_OUTBOX        = "s3://${module.bucket["partner-bundles"].bucket}/outbox"
    SAGE_AUDIT_TABLE           = aws_dynamodb_table.telemetry_audit.name
  }
}

output "dashboard_environment" {
  description = "The dashboard's settings (lakehouse.warehouse.AthenaWarehouse): Gold through the analytics workgroup."
  value = {
    AWS_REGION                 = var.region
    SAGE_TARGET                = "athena"
    SAGE_ATHENA_SCHEMA         = var.dbt_schema
    SAGE_ATHENA_WORKGROUP      = aws_athena_workgroup.analytics.name
    SAGE_ATHENA_S3_STAGING_DIR = "${local.athena_results}/analytics/"
  }
}

output "buckets" {
  description = "Every bucket, by role."
  value       = merge({ for key, bucket in module.bucket : key => bucket.bucket }, { access-logs = aws_s3_bucket.access_logs.bucket })
}

output "dbt_build_policy_arn" {
  description = "Attach to the role that runs dbt."
  value       = aws_iam_policy.dbt_build.arn
}

output "dashboard_read_policy_arn" {
  description = "Attach to the role the dashboard queries Athena with."
  value       = aws_iam_policy.dashboard_read.arn
}

output "telemetry_audit_table" {
  description = "The audit log (SAGE_AUDIT_TABLE): retention, erasure and partner telemetry."
  value       = aws_dynamodb_table.telemetry_audit.name
}

output "partner_telemetry_url" {
  description = "Where partners POST their telemetry batches (with a JWT carrying partner_id)."
  value       = "${aws_apigatewayv2_stage.partner_telemetry.invoke_url}v1/telemetry"
}

output "otlp_traces_url" {
  description = "Where OpenTelemetry exporters POST OTLP/JSON spans, signed with SigV4 (service lambda)."
  value       = "${aws_lambda_function_url.otlp_ingest.function_url}v1/traces"
}
