# The AWS side of the warehouse: the lake and the warehouse buckets, the Glue
# databases dbt writes to, the Athena workgroup, the delivery of the app's logs
# and database changes into the lake, the ingest functions, and the partner
# telemetry storage. `terraform init && terraform apply` in this folder; see
# "Run it on AWS" in the README.

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      # 6.17: the role_arn of a QuickSight Athena data source (quicksight.tf)
      version = ">= 6.17, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project    = "innerverse-analytics"
      managed-by = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
