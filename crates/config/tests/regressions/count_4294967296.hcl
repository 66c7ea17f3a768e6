# issue 14: `count = 4294967296` aborted (capacity overflow) or exhausted memory
resource "huaweicloud_cce_addon" "a" {
  count         = 4294967296
  cluster_id    = "c-${count.index}"
  template_name = "coredns"
}
