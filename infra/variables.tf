variable "region" {
  description = "AWS region of every resource (the dbt profile's AWS_REGION)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every name. Bucket names are global: choose one nobody else uses."
  type        = string
  default     = "innerverse"
}

variable "dbt_schema" {
  description = "The dbt target schema (SAGE_ATHENA_SCHEMA); its layers are the Glue databases <schema>_bronze, _silver, _gold, _lake, _reference."
  type        = string
  default     = "innerverse"
}

variable "athena_bytes_scanned_cutoff" {
  description = "Largest number of bytes one Athena query may scan before it is cancelled (Athena's minimum is 10 MB). At the list price of 5 USD per TB, 100 GB caps a query at 0.50 USD."
  type        = number
  default     = 100000000000
}

variable "chat_log_group_name" {
  description = "CloudWatch Logs group of the chat Lambda function whose EMF turn logs are ingested (the app's, not created here)."
  type        = string
  default     = "/aws/lambda/innerverse-chat"
}

variable "turn_log_delivery" {
  description = "How turn logs reach the lake: \"firehose\" (subscription -> Firehose -> raw bucket -> ingest on each object; raw copies kept 90 days) or \"lambda\" (subscription straight to the ingest function; lower latency, no raw copy)."
  type        = string
  default     = "firehose"

  validation {
    condition     = contains(["firehose", "lambda"], var.turn_log_delivery)
    error_message = "turn_log_delivery is \"firehose\" or \"lambda\"."
  }
}

variable "raw_sources" {
  description = "Sources ingested from objects in the raw bucket: sage source name -> the key prefixes Firehose delivers it under. A source is added here once `sage ingest --source NAME` reads what arrives under its prefixes."
  type        = map(list(string))
  default = {
    lambda_emf = ["lambda_emf/"]
    # The app tables' stream records (firehose.tf). The observations table is
    # captured too but not listed: the sentinel source reads observations as
    # plain JSON lines, not stream records.
    dynamodb = ["dynamodb/users/", "dynamodb/conversations/", "dynamodb/feedback/"]
  }
}

variable "ingest_package" {
  description = "Path of the ingest functions' zip: the ingest/ package and its dependencies (see the README)."
  type        = string
  default     = "../build/ingest.zip"
}

variable "log_retention_days" {
  description = "Retention of the ingest functions' own logs (counts and file names, no personal data)."
  type        = number
  default     = 365
}

variable "app_tables" {
  description = "The app's DynamoDB tables whose every change is captured (streams with old and new images), by short name, with their keys. Tables the app already has are imported (terraform import aws_dynamodb_table.app[\"users\"] innerverse-users) rather than created."
  type = map(object({
    hash_key  = string
    range_key = optional(string)
  }))
  default = {
    users         = { hash_key = "user_id" }
    conversations = { hash_key = "user_id", range_key = "conversation_id" }
    feedback      = { hash_key = "user_id", range_key = "feedback_id" }
    observations  = { hash_key = "conversation_id", range_key = "observation_id" }
  }
}

variable "partner_jwt_issuer" {
  description = "Issuer URL of the JWTs partners present to the telemetry API (your identity provider); each token carries a partner_id claim."
  type        = string
  default     = "https://auth.innerverse.example/"
}

variable "partner_jwt_audience" {
  description = "Audience the partner JWTs must be issued for."
  type        = string
  default     = "innerverse-partner-telemetry"
}

variable "rollup_package" {
  description = "Path of the rollup function's zip: the ingest/, lakehouse/ and privacy/ packages, models/bronze/_lake__sources.yml, duckdb, pyyaml and their dependencies (see the README)."
  type        = string
  default     = "../build/rollup.zip"
}

variable "rollup_schedule" {
  description = "When the daily Bronze rollup runs (EventBridge schedule expression, UTC)."
  type        = string
  default     = "cron(30 3 * * ? *)"
}

variable "rollup_late_days" {
  description = "Days a Bronze day stays open for late data before the rollup turns it into Parquet (SAGE_ROLLUP_LATE_DAYS)."
  type        = number
  default     = 3

  validation {
    condition     = var.rollup_late_days >= 1
    error_message = "rollup_late_days must be at least 1."
  }
}

variable "otlp_exporter_role_arns" {
  description = "IAM roles allowed to POST OpenTelemetry spans to the OTLP endpoint (otlp_endpoint.tf): the roles the app's Collector or SDK exporters sign their requests with."
  type        = list(string)
  default     = []
}

variable "otel_user_attributes" {
  description = "Span or resource attributes that hold the user id, first found wins (SAGE_OTEL_USER_ATTRIBUTES)."
  type        = string
  default     = "user.id,enduser.id"
}

variable "otel_conversation_attributes" {
  description = "Span or resource attributes that hold the conversation id, first found wins (SAGE_OTEL_CONVERSATION_ATTRIBUTES); the trace id when none is set."
  type        = string
  default     = "gen_ai.conversation.id,session.id"
}
