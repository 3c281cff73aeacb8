# Two workgroups, both on engine version 3, with encrypted results in the
# results bucket and a per-query limit on bytes scanned
# (var.athena_bytes_scanned_cutoff): a runaway query is cancelled, not billed.
#
# - analytics (var.name): the SAGE dashboard, BI and analysts. It enforces its
#   settings, so every result lands in the results bucket (7 days), encrypted,
#   whatever a client asks for.
# - dbt (<name>-dbt): `dbt build`. It cannot enforce its result location:
#   under an enforced location Athena refuses `external_location` in a CTAS,
#   and dbt-athena then writes Hive tables (the day-partitioned Gold tables,
#   the price list) under the query results, which expire. Its clients are
#   dbt alone, configured by the profile (SAGE_ATHENA_S3_STAGING_DIR).

locals {
  athena_results = "s3://${module.bucket["athena-results"].bucket}"
}

resource "aws_athena_workgroup" "analytics" {
  name          = var.name
  description   = "Innerverse analytics: the SAGE dashboard, BI, analysts"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "${local.athena_results}/analytics/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.data.arn
      }
    }
  }
}

resource "aws_athena_workgroup" "dbt" {
  #checkov:skip=CKV_AWS_82:dbt-athena places Hive tables with external_location, which Athena refuses in a workgroup that enforces its result location; the dashboard's workgroup enforces it.
  name          = "${var.name}-dbt"
  description   = "Innerverse analytics: dbt builds of Silver and Gold"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = false
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "${local.athena_results}/dbt/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.data.arn
      }
    }
  }
}
