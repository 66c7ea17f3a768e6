/*
 * GPU plug-ins for every training pool.
 *   Keep the versions in step with the driver matrix.   
 */
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each = toset( [ "pool-a" , "pool-b" ] )   # one per pool
  pool_name     =each.key
  template_name = "gpu-beta"
  version = "1.2.15"
  inputs = {
    driver_version = "535.54"
    # MIG is only enabled on pool-b
    mig_enabled = each.key=="pool-b"
    node_labels = {for k,v in local.labels: k=>upper(v)}
  }
  depends_on = [ huaweicloud_cce_addon.coredns ]
}
