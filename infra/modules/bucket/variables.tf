variable "name" {
  description = "Bucket name."
  type        = string
}

variable "kms_key_arn" {
  description = "Key of the bucket's default encryption (SSE-KMS)."
  type        = string
}

variable "access_log_bucket" {
  description = "Bucket receiving this bucket's S3 server access logs."
  type        = string
}

variable "expire_days" {
  description = "Key prefix -> days after which S3 deletes objects under it (\"\" is the whole bucket). Never set for Iceberg table data."
  type        = map(number)
  default     = {}
}

variable "lock_days" {
  description = "Object lock retention (governance mode) in days; 0 for no object lock."
  type        = number
  default     = 0
}

variable "noncurrent_days" {
  description = "Days a deleted or overwritten object's old version is kept."
  type        = number
  default     = 7
}
