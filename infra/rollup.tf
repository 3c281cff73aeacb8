# The daily rollup (lakehouse/rollup.py, the code of `sage rollup`): once a day,
# after the late-data window, every closed Bronze day becomes one Parquet object
# and its NDJSON.gz objects are removed. EventBridge invokes the function on a
# schedule; one run at a time (reserved concurrency 1), so two runs never rewrite
# the same day together. A day that fails stays NDJSON and the invocation fails
# (the function's Errors metric, the dead-letter queue); the next run retries it.

resource "aws_cloudwatch_log_group" "rollup" {
  name              = "/aws/lambda/${var.name}-bronze-rollup"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_lambda_function" "rollup" {
  #checkov:skip=CKV_AWS_117:The function talks only to S3, DynamoDB and CloudWatch through their public endpoints; a VPC would add NAT or endpoint cost and no isolation for that traffic.
  #checkov:skip=CKV_AWS_272:The package is built from this repository in CI and deployed by Terraform; there is no signing profile to verify it against.
  function_name                  = "${var.name}-bronze-rollup"
  description                    = "Closed Bronze days (NDJSON.gz) -> one Parquet object per table and day"
  role                           = aws_iam_role.rollup.arn
  handler                        = "lakehouse.handler.rollup_handler"
  runtime                        = "python3.11"
  architectures                  = ["x86_64"]
  filename                       = var.rollup_package
  source_code_hash               = filebase64sha256(var.rollup_package)
  # DuckDB sorts a day in memory: a day at 10,000 daily users is about 300,000 turns.
  memory_size                    = 3008
  timeout                        = 900
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.data.arn

  ephemeral_storage {
    size = 4096 # MB: a day's objects are downloaded to /tmp before DuckDB reads them
  }

  environment {
    variables = {
      SAGE_LAKE             = local.lake_url
      SAGE_ROLLUP_LATE_DAYS = tostring(var.rollup_late_days)
      SAGE_AUDIT_TABLE      = aws_dynamodb_table.telemetry_audit.name
      SAGE_AUDIT_KEY        = local.audit_key
      HOME                  = "/tmp" # DuckDB keeps its settings under $HOME
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  depends_on = [aws_cloudwatch_log_group.rollup]
}

resource "aws_cloudwatch_event_rule" "rollup" {
  name                = "${var.name}-bronze-rollup"
  description         = "Roll up closed Bronze days to Parquet, once a day"
  schedule_expression = var.rollup_schedule
}

resource "aws_cloudwatch_event_target" "rollup" {
  rule = aws_cloudwatch_event_rule.rollup.name
  arn  = aws_lambda_function.rollup.arn

  retry_policy {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 3600
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

resource "aws_lambda_permission" "rollup_schedule" {
  statement_id   = "DailyRollupSchedule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.rollup.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.rollup.arn
  source_account = local.account_id
}

# The rollup: list, read, write and delete Bronze objects (nothing else in the
# lake), append to the audit log, log, trace.
resource "aws_iam_role" "rollup" {
  name = "${var.name}-bronze-rollup"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "rollup" {
  name = "bronze-rollup"
  role = aws_iam_role.rollup.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = local.lake_bucket.arn
        Condition = { StringLike = { "s3:prefix" = ["bronze/*"] } }
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.lake_bucket.arn}/bronze/*"
      },
      {
        # BRONZE_ROLLED_UP and ERROR records: append to the audit log, never change it.
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]
        Resource = aws_dynamodb_table.telemetry_audit.arn
      },
      {
        Effect   = "Allow"
        Action   = local.kms_use
        Resource = aws_kms_key.data.arn
      },
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.rollup.arn}:*"
      },
      {
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dead_letters.arn
      },
      {
        # X-Ray's put actions have no resource-level permissions.
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
    ]
  })
}
