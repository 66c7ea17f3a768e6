data "huaweicloud_cce_addon" "existing" {
   cluster_id = var.cluster_id
   id = "9f1e2d3c"
  }
data "huaweicloud_cce_autopilot_addon" "existing" { id="1234" }
data "huaweicloud_modelarts_pool_plugins"    "all" {
    pool_name = "pool-a"   # only the first pool
}

output "coredns_status" {
value=huaweicloud_cce_addon.coredns.status
}
output "plugin_phases" {
  description = "Phase of each GPU plug-in, by pool."
  value = {for pool, plugin in huaweicloud_modelarts_pool_plugin.gpu : pool => plugin.phase}
  sensitive = false
}
output "first_plugin" { value = data.huaweicloud_modelarts_pool_plugins.all.plugins[0].name }
