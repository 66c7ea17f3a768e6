# issue 14: `count = 100000000` aborted (capacity overflow) or exhausted memory
resource "huaweicloud_cce_addon" "a" {
  count         = 100000000
  cluster_id    = "c-${count.index}"
  template_name = "coredns"
}
