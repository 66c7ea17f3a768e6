# An already formatted file must come out byte for byte the same.
resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster_id
  template_name = "coredns"
  version       = local.dns_version

  values = {
    basic  = { cluster_ip = "10.247.3.10" }
    custom = { stub_domains = {}, upstream_nameservers = [] }
    flavor = { replicas = 2 }
  }

  timeouts { create = "10m" }
  lifecycle { prevent_destroy = true }
}
