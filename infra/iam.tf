# Least privilege: each role may do what its service needs on the resources it
# works with, and nothing on anything else. The two managed policies at the end
# are for whoever runs dbt (CI, a scheduled task) and for the dashboard; attach
# them to those roles.

locals {
  raw_bucket  = module.bucket["raw"]
  lake_bucket = module.bucket["lake"]
  kms_use     = ["kms:Decrypt", "kms:GenerateDataKey"]
}

# Firehose: write its deliveries (and errors) into the raw bucket, log failures.
resource "aws_iam_role" "delivery" {
  name = "${var.name}-firehose-delivery"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "firehose.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "delivery" {
  name = "write-raw-bucket"
  role = aws_iam_role.delivery.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
        Resource = local.raw_bucket.arn
      },
      {
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
        Resource = "${local.raw_bucket.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = local.kms_use
        Resource = aws_kms_key.data.arn
      },
      {
        Effect   = "Allow"
        Action   = "logs:PutLogEvents"
        Resource = "${aws_cloudwatch_log_group.delivery.arn}:*"
      },
    ]
  })
}

# CloudWatch Logs: put the chat log group's events into the turn-log stream.
resource "aws_iam_role" "logs_to_firehose" {
  count = var.turn_log_delivery == "firehose" ? 1 : 0

  name = "${var.name}-logs-to-firehose"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringLike = { "aws:SourceArn" = "arn:${local.partition}:logs:${var.region}:${local.account_id}:*" }
      }
    }]
  })
}

resource "aws_iam_role_policy" "logs_to_firehose" {
  count = var.turn_log_delivery == "firehose" ? 1 : 0

  name = "put-turn-logs"
  role = aws_iam_role.logs_to_firehose[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
      Resource = aws_kinesis_firehose_delivery_stream.turn_logs[0].arn
    }]
  })
}

# EventBridge Pipes: read the app tables' streams, put into their delivery streams.
resource "aws_iam_role" "pipes" {
  name = "${var.name}-table-changes-pipes"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pipes.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "pipes" {
  name = "read-streams-put-firehose"
  role = aws_iam_role.pipes.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
        Resource = [for table in aws_dynamodb_table.app : table.stream_arn]
      },
      {
        Effect   = "Allow"
        Action   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
        Resource = [for stream in aws_kinesis_firehose_delivery_stream.app_changes : stream.arn]
      },
      {
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dead_letters.arn
      },
      {
        Effect   = "Allow"
        Action   = local.kms_use
        Resource = aws_kms_key.data.arn
      },
    ]
  })
}

# The ingest functions: read raw objects of their sources, write Bronze and
# quarantine objects (never read, list or delete the lake), log, trace.
resource "aws_iam_role" "ingest" {
  name = "${var.name}-ingest"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "ingest" {
  name = "raw-to-lake"
  role = aws_iam_role.ingest.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = [for prefix in flatten(values(var.raw_sources)) : "${local.raw_bucket.arn}/${prefix}*"]
      },
      {
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = ["${local.lake_bucket.arn}/bronze/*", "${local.lake_bucket.arn}/quarantine/*"]
      },
      {
        # SCRUB_VIOLATION records: append to the audit log, never change or delete it.
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
        Resource = concat(
          [for group in aws_cloudwatch_log_group.ingest : "${group.arn}:*"],
          ["${aws_cloudwatch_log_group.partner_ingest.arn}:*"],
        )
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

# Whoever runs `dbt build --target athena` and `dbt run-operation create_lake_tables`.
locals {
  glue_catalog_arn = "arn:${local.partition}:glue:${var.region}:${local.account_id}:catalog"
  glue_database_arns = [
    for database in aws_glue_catalog_database.layer :
    "arn:${local.partition}:glue:${var.region}:${local.account_id}:database/${database.name}"
  ]
  glue_table_arns = [
    for database in aws_glue_catalog_database.layer :
    "arn:${local.partition}:glue:${var.region}:${local.account_id}:table/${database.name}/*"
  ]
  warehouse_buckets = [module.bucket["silver"], module.bucket["gold"], module.bucket["athena-results"]]
}

resource "aws_iam_policy" "dbt_build" {
  name        = "${var.name}-dbt-build"
  description = "Build the warehouse with dbt on Athena: read the lake, write Silver and Gold."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"]
        Resource = aws_athena_workgroup.dbt.arn
      },
      {
        Effect = "Allow"
        Action = [
          "glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:GetTable", "glue:GetTables",
          "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:GetTableVersions",
          "glue:DeleteTableVersion", "glue:BatchDeleteTableVersion", "glue:GetPartition",
          "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchDeletePartition",
          "glue:BatchGetPartition", "glue:UpdatePartition",
        ]
        Resource = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
        Resource = [local.lake_bucket.arn, "${local.lake_bucket.arn}/bronze/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
        Resource = flatten([for bucket in local.warehouse_buckets : [bucket.arn, "${bucket.arn}/*"]])
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]
        Resource = aws_kms_key.data.arn
      },
    ]
  })
}

# The SAGE dashboard and BI: query Gold, nothing else. Gold holds aggregates
# only (no row per person, no pseudonym, client-controlled values closed to
# declared vocabularies); the per-person tables are in <schema>_private, which
# this policy denies outright, as it denies Bronze, Silver and the lake, so no
# other grant to the same role can open them.
resource "aws_iam_policy" "dashboard_read" {
  name        = "${var.name}-dashboard-read-gold"
  description = "Query the Gold aggregates through the analytics workgroup; denied Bronze, Silver, the per-person private tables and the lake."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "NeverRowsPerPerson"
        Effect = "Deny"
        Action = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"]
        Resource = flatten([
          for layer in local.restricted_layers : [
            "arn:${local.partition}:glue:${var.region}:${local.account_id}:database/${local.glue_databases[layer]}",
            "arn:${local.partition}:glue:${var.region}:${local.account_id}:table/${local.glue_databases[layer]}/*",
          ]
        ])
      },
      {
        Sid      = "NeverRestrictedFiles"
        Effect   = "Deny"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = flatten([for bucket in [module.bucket["silver"], module.bucket["lake"], module.bucket["raw"]] : [bucket.arn, "${bucket.arn}/*"]])
      },
      {
        Effect   = "Allow"
        Action   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup"]
        Resource = aws_athena_workgroup.analytics.arn
      },
      {
        Effect = "Allow"
        Action = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"]
        Resource = [
          local.glue_catalog_arn,
          "arn:${local.partition}:glue:${var.region}:${local.account_id}:database/${local.glue_databases["gold"]}",
          "arn:${local.partition}:glue:${var.region}:${local.account_id}:table/${local.glue_databases["gold"]}/*",
        ]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
        Resource = [module.bucket["gold"].arn, "${module.bucket["gold"].arn}/*"]
      },
      {
        Effect = "Allow"
        Action = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"]
        Resource = [
          module.bucket["athena-results"].arn,
          "${module.bucket["athena-results"].arn}/analytics/*",
        ]
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.data.arn
      },
    ]
  })
}
