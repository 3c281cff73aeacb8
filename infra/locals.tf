locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The Glue databases dbt uses: one per layer (dbt's default schema naming,
  # <target schema>_<folder schema>) and the lake's external tables.
  dbt_layers     = ["bronze", "silver", "gold", "lake", "reference"]
  glue_databases = { for layer in local.dbt_layers : layer => "${var.dbt_schema}_${layer}" }
}
