# The partner telemetry API: an HTTP API (API Gateway v2) whose one route,
# POST /v1/telemetry, invokes ingest.handler.partner_telemetry_handler. It
# answers 202 with counts, or 400 naming each bad field; valid events land in
# Bronze (partner_telemetry), the rest in quarantine, and scrub violations are
# audited (SAGE_AUDIT_TABLE).
#
# Partners authenticate with a JWT from your identity provider
# (var.partner_jwt_issuer / var.partner_jwt_audience); its `partner_id` claim is
# the partner the handler holds every event of the batch to, so a partner can
# never send telemetry in another's name.

resource "aws_cloudwatch_log_group" "partner_api" {
  name              = "/aws/apigateway/${var.name}-partner-telemetry"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_cloudwatch_log_group" "partner_ingest" {
  name              = "/aws/lambda/${var.name}-ingest-partner-telemetry"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_lambda_function" "partner_ingest" {
  #checkov:skip=CKV_AWS_117:The function talks only to S3, DynamoDB and CloudWatch through their public endpoints; a VPC would add NAT or endpoint cost and no isolation for that traffic.
  #checkov:skip=CKV_AWS_272:The package is built from this repository in CI and deployed by Terraform; there is no signing profile to verify it against.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway, which returns the error to the partner; a dead-letter queue only applies to asynchronous invocations.
  function_name                  = "${var.name}-ingest-partner-telemetry"
  description                    = "Partner telemetry API -> lake Bronze partner_telemetry and quarantine"
  role                           = aws_iam_role.ingest.arn
  handler                        = "ingest.handler.partner_telemetry_handler"
  runtime                        = "python3.11"
  architectures                  = ["x86_64"]
  filename                       = var.ingest_package
  source_code_hash               = filebase64sha256(var.ingest_package)
  memory_size                    = 512
  timeout                        = 29 # API Gateway's integration limit
  reserved_concurrent_executions = 20
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

  depends_on = [aws_cloudwatch_log_group.partner_ingest]
}

resource "aws_apigatewayv2_api" "partner_telemetry" {
  name          = "${var.name}-partner-telemetry"
  protocol_type = "HTTP"
  description   = "Partner telemetry batches (POST /v1/telemetry)"
}

resource "aws_apigatewayv2_authorizer" "partner_jwt" {
  api_id           = aws_apigatewayv2_api.partner_telemetry.id
  name             = "partner-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.partner_jwt_issuer
    audience = [var.partner_jwt_audience]
  }
}

resource "aws_apigatewayv2_integration" "partner_ingest" {
  api_id                 = aws_apigatewayv2_api.partner_telemetry.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.partner_ingest.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "partner_telemetry" {
  api_id             = aws_apigatewayv2_api.partner_telemetry.id
  route_key          = "POST /v1/telemetry"
  target             = "integrations/${aws_apigatewayv2_integration.partner_ingest.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.partner_jwt.id
}

resource "aws_apigatewayv2_stage" "partner_telemetry" {
  api_id      = aws_apigatewayv2_api.partner_telemetry.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 100
    throttling_rate_limit  = 50
  }

  # Who called and how it went; never the body (the events) or the token.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.partner_api.arn
    format = jsonencode({
      requestId = "$context.requestId"
      time      = "$context.requestTime"
      route     = "$context.routeKey"
      status    = "$context.status"
      partner   = "$context.authorizer.claims.partner_id"
      latencyMs = "$context.responseLatency"
      error     = "$context.integrationErrorMessage"
    })
  }
}

resource "aws_lambda_permission" "api_invoke_partner_ingest" {
  statement_id  = "AllowPartnerTelemetryApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.partner_ingest.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.partner_telemetry.execution_arn}/*/*/v1/telemetry"
}
