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

# TelemetryAudit: one item per pipeline event (BUNDLE_CREATED, BUNDLE_DELIVERED,
# TELEMETRY_DELETED, SCRUB_VIOLATION, ERROR), by partner and time; the by_event
# index answers "every SCRUB_VIOLATION this month". Never expires.
resource "aws_dynamodb_table" "telemetry_audit" {
  name         = "${var.name}-TelemetryAudit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "partner"
  range_key    = "event_key"

  attribute {
    name = "partner"
    type = "S"
  }

  attribute {
    name = "event_key"
    type = "S"
  }

  attribute {
    name = "event"
    type = "S"
  }

  global_secondary_index {
    name            = "by_event"
    hash_key        = "event"
    range_key       = "event_key"
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
