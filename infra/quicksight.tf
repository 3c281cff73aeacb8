# BI on Athena: an Amazon QuickSight data source over the analytics workgroup and
# a dataset per Gold table, reading as a role that can reach Gold and nothing
# else (the dashboard-read-gold policy, iam.tf). Off by default: QuickSight is a
# subscription of the account (Enterprise edition), made once in its console;
# then set quicksight_enabled and the users or groups who may author with it.
# docs/analysts.md has the same connection for Superset and Metabase.

variable "quicksight_enabled" {
  description = "Create the QuickSight data source and datasets over Gold (the account must have a QuickSight Enterprise subscription)."
  type        = bool
  default     = false
}

variable "quicksight_principals" {
  description = "ARNs of the QuickSight users or groups that may use the data source and datasets (arn:aws:quicksight:<region>:<account>:group/default/<name>)."
  type        = list(string)
  default     = []
}

variable "quicksight_import_mode" {
  description = "DIRECT_QUERY (each visual queries Athena: always current, billed per query) or SPICE (QuickSight's in-memory copy, refreshed on a schedule set in QuickSight)."
  type        = string
  default     = "DIRECT_QUERY"

  validation {
    condition     = contains(["DIRECT_QUERY", "SPICE"], var.quicksight_import_mode)
    error_message = "quicksight_import_mode is DIRECT_QUERY or SPICE."
  }
}

locals {
  # Gold relation -> typed columns, from the models' contracts
  # (python -m sage.checks.bi_datasets --write after a Gold model changes).
  bi_datasets = jsondecode(file("${path.module}/bi_datasets.json"))
  quicksight  = var.quicksight_enabled ? { gold = true } : {}

  quicksight_data_source_actions = [
    "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
  ]
  quicksight_data_set_actions = [
    "quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet", "quicksight:DescribeIngestion", "quicksight:ListIngestions",
    "quicksight:CreateIngestion", "quicksight:CancelIngestion",
  ]
}

# The role QuickSight queries Athena as for this data source (AthenaParameters
# RoleArn): the Gold-only policy, plus what QuickSight's Athena connector asks of
# the workgroup and the catalog besides running queries.
resource "aws_iam_role" "bi_gold_reader" {
  name = "${var.name}-bi-gold-reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "quicksight.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "bi_gold_reader" {
  role       = aws_iam_role.bi_gold_reader.name
  policy_arn = aws_iam_policy.dashboard_read.arn
}

resource "aws_iam_role_policy" "bi_gold_reader_connector" {
  name = "athena-connector"
  role = aws_iam_role.bi_gold_reader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["athena:GetQueryResultsStream", "athena:StopQueryExecution"]
        Resource = aws_athena_workgroup.analytics.arn
      },
      {
        Effect = "Allow"
        Action = [
          "athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase",
          "athena:ListTableMetadata", "athena:GetTableMetadata",
        ]
        Resource = "arn:${local.partition}:athena:${var.region}:${local.account_id}:datacatalog/AwsDataCatalog"
      },
    ]
  })
}

resource "aws_quicksight_data_source" "gold" {
  for_each = local.quicksight

  data_source_id = "${var.name}-gold"
  name           = "Innerverse Gold (Athena)"
  type           = "ATHENA"

  parameters {
    athena {
      work_group = aws_athena_workgroup.analytics.name
      role_arn   = aws_iam_role.bi_gold_reader.arn
    }
  }

  ssl_properties {
    disable_ssl = false
  }

  dynamic "permission" {
    for_each = toset(var.quicksight_principals)
    content {
      principal = permission.value
      actions   = local.quicksight_data_source_actions
    }
  }
}

# One dataset per Gold table, its columns typed as the model's contract declares.
resource "aws_quicksight_data_set" "gold" {
  for_each = var.quicksight_enabled ? local.bi_datasets : {}

  data_set_id = "${var.name}-gold-${replace(each.key, "_", "-")}"
  name        = "Innerverse Gold: ${each.key}"
  import_mode = var.quicksight_import_mode

  physical_table_map {
    physical_table_map_id = replace(each.key, "_", "-")

    relational_table {
      data_source_arn = aws_quicksight_data_source.gold["gold"].arn
      catalog         = "AwsDataCatalog"
      schema          = local.glue_databases["gold"]
      name            = each.key

      dynamic "input_columns" {
        for_each = each.value.columns
        content {
          name = input_columns.value.name
          type = input_columns.value.type
        }
      }
    }
  }

  dynamic "permissions" {
    for_each = toset(var.quicksight_principals)
    content {
      principal = permissions.value
      actions   = local.quicksight_data_set_actions
    }
  }
}
