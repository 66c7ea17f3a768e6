resource "huaweicloud_cce_addon" "everest" {
  cluster_id = var.cluster_id
  template_name = "everest"
  version="2.4.28"
  # The CSI configuration is kept as raw JSON, exactly as the console shows it.
  values = jsondecode(<<EOT
{
  "basic": {"disk_attach_by_uuid": true},
    "custom":   {"enable_nas": false}
}
EOT
  )
  description = <<-DESC
    Everest storage add-on.
      Indented line stays indented.   
    DESC
}
