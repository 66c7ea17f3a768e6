# CoreDNS on the production cluster.
# Owned by the platform team.
resource "huaweicloud_cce_addon"   "coredns"   {
    cluster_id = var.cluster_id   # the CCE cluster
  template_name="coredns"
      version = local.dns_version
  values = {
      basic = { cluster_ip = "10.247.3.10" }   # fixed service IP
    custom = {stub_domains={}, upstream_nameservers=[]}
     flavor = { replicas = 2 }
  }


  timeouts { create = "10m" }
  lifecycle { prevent_destroy = true }   // never delete DNS
}
