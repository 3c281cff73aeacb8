# The app's tables, with streams carrying every change (old and new item) into
# the lake (firehose.tf), and the partner-telemetry audit table.
resource "aws_dynamodb_table" "app" {
  for_each = var.app_tables

  name         = "${var.name}-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = each.value.hash_key
  range_key    = each.value.range_key

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  dynamic "attribute" {
    for_each = each.value.range_key == null ? [] : [each.value.range_key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  deletion_protection_enabled = true
}

# TelemetryAudit: the audit log (lakehouse/audit/stores.py, DynamoDBAuditStore; SAGE_AUDIT_TABLE
# names it): retention, erasure and the partner pipeline (BUNDLE_CREATED,
# BUNDLE_DELIVERED, TELEMETRY_DELETED, SCRUB_VIOLATION, ERROR), one item per record,
# each chained to the one before by its hash. The chain is one partition (log =
# "audit") ordered by the number seq, so it is read in order by one paginated Query
# and a record is created by a PutItem conditional on attribute_not_exists(seq).
# The record's copied attributes feed two indexes for the console: by_event
# ("every SCRUB_VIOLATION this month") and by_partner (sparse: partner records only).
# Never expires.
resource "aws_dynamodb_table" "telemetry_audit" {
  name         = "${var.name}-TelemetryAudit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "log"
  range_key    = "seq"

  attribute {
    name = "log"
    type = "S"
  }

  attribute {
    name = "seq"
    type = "N"
  }

  attribute {
    name = "event"
    type = "S"
  }

  attribute {
    name = "partner"
    type = "S"
  }

  attribute {
    name = "at"
    type = "S"
  }

  global_secondary_index {
    name            = "by_event"
    hash_key        = "event"
    range_key       = "at"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "by_partner"
    hash_key        = "partner"
    range_key       = "at"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  deletion_protection_enabled = true
}
