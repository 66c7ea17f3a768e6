# issue 14: `count = 1e18` aborted (capacity overflow) or exhausted memory
resource "huaweicloud_cce_addon" "a" {
  count         = 1e18
  cluster_id    = "c-${count.index}"
  template_name = "coredns"
}
