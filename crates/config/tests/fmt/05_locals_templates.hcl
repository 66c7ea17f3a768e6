locals {
  environment="prod"
  # Names follow <team>-<env>-<purpose>.
  name_prefix = "platform-${local.environment}"
  dns_version =   "1.28.6"
  labels = {
    "app.kubernetes.io/managed-by" = "plinth"
      "team"="platform"   # cost centre
    env= local.environment
  }
  pools=[ "pool-a","pool-b" ]
  pool_names = [for p in local.pools : "${local.name_prefix}-${p}" if p != "pool-c"]
  replicas = local.environment == "prod" ? 3 : 1
  negative_offset = - 1
  everything = merge(local.labels,{extra="yes"},)
}
