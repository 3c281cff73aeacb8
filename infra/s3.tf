# The buckets. Retention follows the data's own rules:
#
# - raw (Firehose deliveries): 90 days, then S3 lifecycle deletes them.
# - the lake: bronze/ 90 days and quarantine/ 30 days (the `sage retention`
#   periods; lifecycle is the backstop), partner/ (partner analytics Parquet and
#   bundles, deleted by `sage partner cleanup` once a month is delivered) two
#   months at the latest. No object lock: erasure (`sage erase`, within 30 days)
#   and partner cleanup must be able to rewrite and delete Bronze objects, and
#   the audit trail is the hash-chained DynamoDB table, not the lake.
# - silver and gold hold Iceberg tables. Lifecycle must never expire their
#   current objects: an Iceberg table's metadata points at its data files, and a
#   file removed underneath it breaks the table. Silver's 2-year retention and
#   erasure are SQL (`DELETE`, then `VACUUM`, which expires snapshots and removes
#   the files they alone used); lifecycle only clears noncurrent versions (the
#   files VACUUM deleted, kept 7 days by versioning) and unfinished uploads.
# - athena-results: query results, 7 days.
# - partner-bundles: the partners' outbox (SAGE_PARTNER_OUTBOX), one prefix per
#   partner; a delivered bundle is fetched with a presigned URL and expires
#   after 30 days.
locals {
  buckets = {
    lake            = { expire_days = { "bronze/" = 90, "quarantine/" = 30, "partner/" = 62 }, lock_days = 0 }
    raw             = { expire_days = { "" = 90 }, lock_days = 0 }
    silver          = { expire_days = {}, lock_days = 0 }
    gold            = { expire_days = {}, lock_days = 0 }
    athena-results  = { expire_days = { "" = 7 }, lock_days = 0 }
    partner-bundles = { expire_days = { "" = 30 }, lock_days = 0 }
  }
  noncurrent_days = 7
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = local.buckets

  name              = "${var.name}-${each.key}"
  kms_key_arn       = aws_kms_key.data.arn
  access_log_bucket = aws_s3_bucket.access_logs.id
  expire_days       = each.value.expire_days
  lock_days         = each.value.lock_days
  noncurrent_days   = local.noncurrent_days
}

# S3 server access logs of every bucket above.
resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log bucket; logging it into itself would log every log delivery.
  #checkov:skip=CKV_AWS_144:One region by design (see modules/bucket).
  #checkov:skip=CKV_AWS_145:S3 server access logging delivers only to buckets encrypted with S3-managed keys (SSE-S3), not KMS.
  #checkov:skip=CKV2_AWS_62:Nothing is triggered by access logs.
  bucket = "${var.name}-access-logs"
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs-after-a-year"
    status = "Enabled"
    filter {}
    expiration {
      days = 365
    }
    noncurrent_version_expiration {
      noncurrent_days = local.noncurrent_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.access_logs.arn}/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "TlsOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
