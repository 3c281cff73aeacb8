# The ingest functions: ingest/handler.py, deployed from var.ingest_package.
#
# - ingest_raw: one function per source in var.raw_sources, run for every
#   object Firehose delivers under the source's prefix (s3_object_handler).
# - ingest_turn_logs_direct: with turn_log_delivery = "lambda", the chat log
#   group's subscription invokes it with each payload (cloudwatch_logs_handler).
#
# Both write Bronze and quarantine to the lake bucket (SAGE_LAKE).
locals {
  lake_url = "s3://${module.bucket["lake"].bucket}"
  raw_ingest = {
    for source, prefixes in var.raw_sources : source => prefixes
    if !(source == "lambda_emf" && var.turn_log_delivery == "lambda")
  }
  raw_notifications = flatten([
    for source, prefixes in local.raw_ingest : [for prefix in prefixes : { source = source, prefix = prefix }]
  ])
  ingest_functions = merge(
    { for source in keys(local.raw_ingest) : source => "${var.name}-ingest-${replace(source, "_", "-")}" },
    var.turn_log_delivery == "lambda" ? { turn_logs_direct = "${var.name}-ingest-turn-logs-direct" } : {},
  )
}

resource "aws_cloudwatch_log_group" "ingest" {
  for_each = local.ingest_functions

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_lambda_function" "ingest_raw" {
  #checkov:skip=CKV_AWS_117:The function talks only to S3 and CloudWatch through their public endpoints; a VPC would add NAT or endpoint cost and no isolation for that traffic.
  #checkov:skip=CKV_AWS_272:The package is built from this repository in CI and deployed by Terraform; there is no signing profile to verify it against.
  for_each = local.raw_ingest

  function_name                  = local.ingest_functions[each.key]
  description                    = "Raw ${each.key} objects -> lake Bronze and quarantine"
  role                           = aws_iam_role.ingest.arn
  handler                        = "ingest.handler.s3_object_handler"
  runtime                        = "python3.11"
  architectures                  = ["x86_64"]
  filename                       = var.ingest_package
  source_code_hash               = filebase64sha256(var.ingest_package)
  memory_size                    = 1024
  timeout                        = 300
  reserved_concurrent_executions = 10
  kms_key_arn                    = aws_kms_key.data.arn

  environment {
    variables = {
      SAGE_LAKE        = local.lake_url
      SAGE_SOURCE      = each.key
      SAGE_AUDIT_TABLE = aws_dynamodb_table.telemetry_audit.name
      SAGE_AUDIT_KEY   = local.audit_key
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  depends_on = [aws_cloudwatch_log_group.ingest]
}

resource "aws_lambda_permission" "s3_invoke_ingest" {
  for_each = local.raw_ingest

  statement_id   = "RawBucketObjectCreated"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.ingest_raw[each.key].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = module.bucket["raw"].arn
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = module.bucket["raw"].id

  dynamic "lambda_function" {
    for_each = local.raw_notifications
    content {
      lambda_function_arn = aws_lambda_function.ingest_raw[lambda_function.value.source].arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = lambda_function.value.prefix
    }
  }

  depends_on = [aws_lambda_permission.s3_invoke_ingest]
}

resource "aws_lambda_function" "ingest_turn_logs_direct" {
  #checkov:skip=CKV_AWS_117:The function talks only to S3 and CloudWatch through their public endpoints; a VPC would add NAT or endpoint cost and no isolation for that traffic.
  #checkov:skip=CKV_AWS_272:The package is built from this repository in CI and deployed by Terraform; there is no signing profile to verify it against.
  count = var.turn_log_delivery == "lambda" ? 1 : 0

  function_name                  = local.ingest_functions["turn_logs_direct"]
  description                    = "Chat log group subscription -> lake Bronze lambda_emf and quarantine"
  role                           = aws_iam_role.ingest.arn
  handler                        = "ingest.handler.cloudwatch_logs_handler"
  runtime                        = "python3.11"
  architectures                  = ["x86_64"]
  filename                       = var.ingest_package
  source_code_hash               = filebase64sha256(var.ingest_package)
  memory_size                    = 512
  timeout                        = 60
  reserved_concurrent_executions = 10
  kms_key_arn                    = aws_kms_key.data.arn

  environment {
    variables = {
      SAGE_LAKE        = local.lake_url
      SAGE_AUDIT_TABLE = aws_dynamodb_table.telemetry_audit.name
      SAGE_AUDIT_KEY   = local.audit_key
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  depends_on = [aws_cloudwatch_log_group.ingest]
}

resource "aws_lambda_permission" "logs_invoke_ingest" {
  count = var.turn_log_delivery == "lambda" ? 1 : 0

  statement_id   = "ChatLogGroupSubscription"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.ingest_turn_logs_direct[0].function_name
  principal      = "logs.amazonaws.com"
  source_arn     = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${var.chat_log_group_name}:*"
  source_account = local.account_id
}
