# The OTLP/HTTP endpoint: a Lambda function URL (POST /v1/traces) that invokes
# ingest.handler.otlp_http_handler. Any app instrumented with OpenTelemetry (or a
# Collector in front of it) exports its spans there as OTLP/JSON; the LLM calls
# among them land in Bronze (otel), rejected spans in quarantine with their
# reason, and message content nowhere.
#
# The URL takes only requests signed with SigV4 by a role given
# lambda:InvokeFunctionUrl on it (var.otlp_exporter_role_arns): the Collector's
# sigv4auth extension signs them (see the README).

resource "aws_cloudwatch_log_group" "otlp_ingest" {
  name              = "/aws/lambda/${var.name}-ingest-otlp"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_lambda_function" "otlp_ingest" {
  #checkov:skip=CKV_AWS_117:The function talks only to S3 and CloudWatch through their public endpoints; a VPC would add NAT or endpoint cost and no isolation for that traffic.
  #checkov:skip=CKV_AWS_272:The package is built from this repository in CI and deployed by Terraform; there is no signing profile to verify it against.
  #checkov:skip=CKV_AWS_116:Invoked synchronously through its function URL, which returns the error to the exporter (which retries); a dead-letter queue only applies to asynchronous invocations.
  function_name                  = "${var.name}-ingest-otlp"
  description                    = "OTLP/HTTP JSON exports of OpenTelemetry spans -> lake Bronze otel and quarantine"
  role                           = aws_iam_role.ingest.arn
  handler                        = "ingest.handler.otlp_http_handler"
  runtime                        = "python3.11"
  architectures                  = ["x86_64"]
  filename                       = var.ingest_package
  source_code_hash               = filebase64sha256(var.ingest_package)
  memory_size                    = 1024
  timeout                        = 30
  reserved_concurrent_executions = 20
  kms_key_arn                    = aws_kms_key.data.arn

  environment {
    variables = {
      SAGE_LAKE                         = local.lake_url
      SAGE_OTEL_USER_ATTRIBUTES         = var.otel_user_attributes
      SAGE_OTEL_CONVERSATION_ATTRIBUTES = var.otel_conversation_attributes
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.otlp_ingest]
}

resource "aws_lambda_function_url" "otlp_ingest" {
  function_name      = aws_lambda_function.otlp_ingest.function_name
  authorization_type = "AWS_IAM"
}

resource "aws_lambda_permission" "otlp_exporters" {
  for_each = toset(var.otlp_exporter_role_arns)

  statement_id           = "AllowOtlpExporter${substr(sha256(each.value), 0, 12)}"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.otlp_ingest.function_name
  principal              = each.value
  function_url_auth_type = "AWS_IAM"
}
