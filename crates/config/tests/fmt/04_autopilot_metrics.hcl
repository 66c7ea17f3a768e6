resource "huaweicloud_cce_autopilot_addon" "metrics" {
cluster_id = "a1b2c3d4-0000-4000-8000-000000000001"
template_name = "metrics-server"
    values = { flavor = { replicas = 1 } }
     }

// A second add-on on the same Autopilot cluster, with an alias.
resource "huaweicloud_cce_autopilot_addon" "node_local_dns" {
        cluster_id="a1b2c3d4-0000-4000-8000-000000000001"
        template_name="node-local-dns"
        alias="nld"  // shown in the console
        version="1.6.3"
        values={
            custom={
                   dns_config = {
                        ndots = 2   # fewer search lookups
                        options=[{name="timeout",value="2"},{name="attempts",value="3"}]
                   }
            }
        }
}
