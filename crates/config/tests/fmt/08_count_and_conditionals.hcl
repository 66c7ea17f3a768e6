variable "enable_dns_cache" {
  type = bool
  default = true
}

resource "huaweicloud_cce_addon" "dns_cache" {
  count = var.enable_dns_cache ? 1 : 0      # toggled per environment
  cluster_id = var.cluster_id
  template_name = "node-local-dns"
  version = "1.6.3"
  values = {
    custom = {
      # each copy gets its own listen address
      local_ip = "169.254.20.${10+count.index}"
      cache_ttl = count.index > 0 ? 30 : 60
      enabled = ! false
    }
  }
  lifecycle {
    create_before_destroy = true
    ignore_changes=[values.custom.cache_ttl,version]
  }
}
