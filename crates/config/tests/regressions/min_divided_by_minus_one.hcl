locals {
  # issue 14: `%` and `/` of i64::MIN by -1 panicked (attempt to overflow)
  a = -9223372036854775808 / -1
}

output "a" {
  value = local.a
}
