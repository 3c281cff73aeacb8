"""Checks CI runs without an AWS account: the Athena SQL the project issues
(compiled against a local stand-in for the AWS APIs, then parsed), SQL style
(sqlfluff) and the Terraform in ``infra/``."""
