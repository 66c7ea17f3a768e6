locals {
  base_values = jsondecode(file("${path.module}/values/base.json"))
  merged = merge(
  local.base_values,
        {
        flavor = { replicas = max(2, length(local.pools)) }
        },
  )
  pool_count=length( local.pools )
  first_three = slice(local.pools,0,3)
  upper_names = [for n in local.pools: upper(n)]
  by_name = { for i, n in local.pools : n => i }
  grouped = { for n in local.pools : substr(n, 0, 4) => n... }
  splat_ids = data.huaweicloud_modelarts_pool_plugins.all.plugins[*].id
  tags = concat(["a","b"],["c"])   /* inline block comment */
  ratio = 1.5e3 * 2 / 4 % 3 - -1
  ok = true && !false || null == null
  text = format("%s-%03d", "pool", 7)
}
