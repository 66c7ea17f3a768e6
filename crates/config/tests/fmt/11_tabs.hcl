# This fixture mixes tabs and spaces.
resource "huaweicloud_cce_addon" "os_agent" {
	cluster_id	=	var.cluster_id
	template_name = "os-node-agent"		# trailing tab comment
  	version = "1.5.0"
	values = {
		basic = {
			region = "cn-north-4"
		}
	}
}
