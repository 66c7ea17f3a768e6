resource "huaweicloud_cce_addon" "gpu_operator" {
  cluster_id    = var.cluster_id
  template_name = "gpu-device-plugin"
  version       = "2.6.4"
  values = {
    basic = {
      # Driver packages per node pool; the first entry is the default.
      drivers = [
        {
          nodepool = "default"
            driver_url = "https://example.invalid/NVIDIA-Linux-x86_64-535.54.run"
          gpu_model="t4"
        },
        { nodepool="a100", driver_url="https://example.invalid/a100.run", gpu_model="a100" },


        {
          nodepool = "h800"   # newest pool
          driver_url = "https://example.invalid/h800.run"
        }
      ]
      tolerations = [{
      key = "nvidia.com/gpu"
      operator = "Exists"
      }, {
      key = "node.kubernetes.io/not-ready"
      effect = "NoExecute"
      }]
    }
  }
}
