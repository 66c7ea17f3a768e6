# Quick start: a CoreDNS add-on, the Autopilot metrics server and a GPU plug-in on two pools,
# all against the built-in sandbox cloud (no account, no network).

provider "huaweicloud" {
  region  = "cn-north-4"
  sandbox = true
}

variable "cluster_id" {
  type        = string
  default     = "c0ffee00-0000-4000-8000-000000000001"
  description = "The CCE cluster that runs CoreDNS"
}

locals {
  dns_version = "1.28.6"
  pools       = toset(["pool-a", "pool-b"])
}

resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster_id
  template_name = "coredns"
  version       = local.dns_version
  values = {
    basic  = { cluster_ip = "10.247.3.10" }
    custom = { stub_domains = {}, upstream_nameservers = [] }
    flavor = { replicas = 2 }
  }

  timeouts {
    create = "10m"
  }
}

resource "huaweicloud_cce_autopilot_addon" "metrics" {
  cluster_id    = "a1b2c3d4-0000-4000-8000-000000000001"
  template_name = "metrics-server"
  values = {
    flavor = { replicas = 1 }
  }
}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = local.pools
  pool_name     = each.key
  template_name = "gpu-beta"
  version       = "1.2.15"
  inputs = {
    driver = { nvidia = { driverVersion = "535.54.03" } }
  }
  depends_on = [huaweicloud_cce_addon.coredns]
}

output "coredns_status" {
  value = huaweicloud_cce_addon.coredns.status
}
