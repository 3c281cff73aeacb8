# The workgroup dbt, the dashboard and analysts query in (SAGE_ATHENA_WORKGROUP).
#
# It enforces its settings: results always go to the results bucket, encrypted,
# and no query scans more than var.athena_bytes_scanned_cutoff. A consequence for
# dbt: with an enforced result location Athena refuses `external_location` in a
# CTAS, and dbt-athena then writes Hive tables under the results location (which
# expires in 7 days). So every table dbt writes is Iceberg, whose location
# Athena does accept (dbt_project.yml; tests/athena/test_model_configs.py).
resource "aws_athena_workgroup" "analytics" {
  name          = var.name
  description   = "Innerverse analytics: dbt builds, the SAGE dashboard, analysts"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${module.bucket["athena-results"].bucket}/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.data.arn
      }
    }
  }
}
