# The audit log's key (lakehouse/audit/key.py): every audit record is keyed with it,
# so someone who can write the lake or the audit table, but not read this
# parameter, cannot change or forge a record that verifies. It lives in SSM as a
# SecureString made outside Terraform, never in the repository or a tfvars file:
#
#   aws ssm put-parameter --type SecureString --name /innerverse/sage/audit-key \
#     --value "$(openssl rand -hex 32)"
#
# The functions that append records (scrub violations at ingest) get it in their
# environment, encrypted with the data key (kms_key_arn); whoever runs `sage
# erase`, `sage retention`, `sage partner` or `sage audit --verify` reads it from
# the same parameter into SAGE_AUDIT_KEY.
variable "audit_key_parameter" {
  description = "Name of the SSM SecureString parameter holding the audit key (SAGE_AUDIT_KEY)."
  type        = string
  default     = "/innerverse/sage/audit-key"
}

data "aws_ssm_parameter" "audit_key" {
  name            = var.audit_key_parameter
  with_decryption = true
}

locals {
  audit_key = data.aws_ssm_parameter.audit_key.value
}
