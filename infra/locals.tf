locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The Glue databases dbt uses: one per layer (dbt's default schema naming,
  # <target schema>_<folder schema>) and the lake's external tables. `private`
  # holds the tables with a row per person (per-user cost and days): restricted
  # like Silver, its files in the Silver bucket, never readable by the dashboard.
  dbt_layers     = ["bronze", "silver", "private", "gold", "lake", "reference"]
  # The layers that hold rows per person or raw values: the dashboard and BI
  # policy denies them outright (infra/iam.tf).
  restricted_layers = ["bronze", "silver", "private", "lake"]
  glue_databases = { for layer in local.dbt_layers : layer => "${var.dbt_schema}_${layer}" }
}
