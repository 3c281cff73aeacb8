# Delivery into the raw bucket.
#
# Turn logs: the chat function's log group -> subscription filter -> Firehose ->
# raw/lambda_emf/YYYY/MM/DD/HH/ (with turn_log_delivery = "firehose"). CloudWatch
# Logs hands Firehose each payload gzip-compressed already, so Firehose stores
# the records as they come: one object is a multi-member gzip of payloads,
# which is what `sage ingest --source lambda_emf` reads.
#
# App tables: each table's stream -> EventBridge Pipe -> Firehose ->
# raw/dynamodb/<table>/YYYY/MM/DD/HH/, one stream record (old and new item) per
# line. DynamoDB streams keep records for 24 hours only; the raw bucket keeps
# them 90 days, for the ingest of the app tables' changes.

resource "aws_cloudwatch_log_group" "delivery" {
  name              = "/aws/kinesisfirehose/${var.name}-delivery"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_cloudwatch_log_stream" "delivery" {
  for_each = toset(concat(["turn-logs"], [for table in keys(var.app_tables) : "dynamodb-${table}"]))

  name           = each.key
  log_group_name = aws_cloudwatch_log_group.delivery.name
}

resource "aws_kinesis_firehose_delivery_stream" "turn_logs" {
  count = var.turn_log_delivery == "firehose" ? 1 : 0

  name        = "${var.name}-turn-logs"
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.data.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.delivery.arn
    bucket_arn          = module.bucket["raw"].arn
    prefix              = "${var.raw_sources["lambda_emf"][0]}!{timestamp:yyyy/MM/dd/HH}/"
    error_output_prefix = "errors/lambda_emf/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    buffering_size      = 64
    buffering_interval  = 300
    compression_format  = "UNCOMPRESSED"
    kms_key_arn         = aws_kms_key.data.arn

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.delivery.name
      log_stream_name = aws_cloudwatch_log_stream.delivery["turn-logs"].name
    }
  }
}

resource "aws_cloudwatch_log_subscription_filter" "turn_logs" {
  name           = "${var.name}-turns-to-${var.turn_log_delivery}"
  log_group_name = var.chat_log_group_name
  # Every EMF line names its CloudWatchMetrics; START/END/REPORT lines do not.
  filter_pattern  = "CloudWatchMetrics"
  destination_arn = var.turn_log_delivery == "firehose" ? aws_kinesis_firehose_delivery_stream.turn_logs[0].arn : aws_lambda_function.ingest_turn_logs_direct[0].arn
  role_arn        = var.turn_log_delivery == "firehose" ? aws_iam_role.logs_to_firehose[0].arn : null

  depends_on = [aws_lambda_permission.logs_invoke_ingest]
}

resource "aws_kinesis_firehose_delivery_stream" "app_changes" {
  for_each = var.app_tables

  name        = "${var.name}-${each.key}-changes"
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.data.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.delivery.arn
    bucket_arn          = module.bucket["raw"].arn
    prefix              = "dynamodb/${each.key}/!{timestamp:yyyy/MM/dd/HH}/"
    error_output_prefix = "errors/dynamodb/${each.key}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    buffering_size      = 64
    buffering_interval  = 300
    compression_format  = "GZIP"
    kms_key_arn         = aws_kms_key.data.arn

    # One JSON record per line (NDJSON).
    processing_configuration {
      enabled = true
      processors {
        type = "AppendDelimiterToRecord"
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.delivery.name
      log_stream_name = aws_cloudwatch_log_stream.delivery["dynamodb-${each.key}"].name
    }
  }
}

resource "aws_pipes_pipe" "app_changes" {
  for_each = var.app_tables

  name        = "${var.name}-${each.key}-changes"
  description = "Every change to ${aws_dynamodb_table.app[each.key].name} into the raw bucket"
  role_arn    = aws_iam_role.pipes.arn
  source      = aws_dynamodb_table.app[each.key].stream_arn
  target      = aws_kinesis_firehose_delivery_stream.app_changes[each.key].arn

  source_parameters {
    dynamodb_stream_parameters {
      starting_position                  = "TRIM_HORIZON"
      batch_size                         = 100
      maximum_batching_window_in_seconds = 60
      maximum_retry_attempts             = 100

      dead_letter_config {
        arn = aws_sqs_queue.dead_letters.arn
      }
    }
  }

  depends_on = [aws_iam_role_policy.pipes]
}

# Records nothing could deliver: pipe batches that kept failing, and ingest
# invocations that failed after Lambda's retries. Kept 14 days for a replay.
resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name}-delivery-dead-letters"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
}
