# The Glue databases dbt reads and writes (one per layer), and encryption of
# the catalog's metadata. dbt would create the databases itself
# (`create schema if not exists`); declaring them lets IAM name them exactly.
resource "aws_glue_catalog_database" "layer" {
  for_each = local.glue_databases

  name        = each.value
  description = "Innerverse analytics, ${each.key} layer (dbt schema ${each.value})"
}

resource "aws_glue_data_catalog_encryption_settings" "catalog" {
  data_catalog_encryption_settings {
    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = aws_kms_key.data.arn
    }
    connection_password_encryption {
      return_connection_password_encrypted = true
      aws_kms_key_id                       = aws_kms_key.data.arn
    }
  }
}
