provider "huaweicloud" {
region = "cn-north-4" # or HW_REGION_NAME
    project_id = var.project_id # optional: HW_PROJECT_ID, else looked up through IAM
  endpoints = { cce = "https://cce.cn-north-4.myhuaweicloud.com" } # optional overrides
  sandbox = true # use the built-in local cloud
}



variable "cluster_id" {
  type = string
  description = "The CCE cluster that receives the add-ons."
  default = "c0ffee00-0000-4000-8000-000000000001"
  sensitive=false

  validation {
    # a UUID, lower case
    condition = length(var.cluster_id) == 36
    error_message="cluster_id must be a UUID."
  }
}

variable "project_id" {
    type    = string
    default = null
}
