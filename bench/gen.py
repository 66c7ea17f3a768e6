#!/usr/bin/env python3
"""Generates a benchmark workload of N resources for plinth and the same graph for Terraform.

    gen.py N OUT_DIR --url http://127.0.0.1:PORT [--chain C]

writes
    OUT_DIR/plinth/main.hcl      the plinth configuration (provider pointed at the emulator)
    OUT_DIR/fixture.json         the emulator fixture: the clusters and pools it refers to
    OUT_DIR/terraform/main.tf    the same N as terraform_data resources, same inputs, same edges
    OUT_DIR/shape.json           counts and D, the longest dependency chain in operations

The shape, with G = (N - C) // 8 groups (one CCE cluster, one Autopilot cluster, one pool each):

    chain_0 <- chain_1 <- ... <- chain_{C-1}       explicit CCE coredns add-ons, each one's values
                                                   refer to the id of the one before
    everest[g]    CCE add-on,  for_each    values refer to chain_{C-1}.id        (fan-out, reference)
    npd[g]        CCE add-on,  for_each    depends_on everest (the whole block)  (fan-in/fan-out)
    logs[g]       CCE add-on,  for_each    no dependency                         (width)
    metrics[g]    Autopilot,   for_each    depends_on chain_{C-1}                (fan-out, depends_on)
    ap_logs[g]    Autopilot,   for_each    values through merge()
    gpu[g]        plug-in,     for_each    inputs refer to everest[g].id         (chain continues)
    agent[g]      plug-in,     for_each    no dependency
    volcano_g     CCE add-on,  one explicit block per group, depends_on chain_{g % C}
    extra_i       Autopilot coredns, explicit, to make the count exactly N

so D = C + 2 (chain, everest, gpu). Every resource's values carry var.rev: `--var rev=2` changes
all N of them (an update in place each).
"""

import argparse
import json
import os

ACCESS_KEY = "AKBENCH0000000000001"
SECRET_KEY = "SKbenchSecretKey000000000000000000000000"
REGION = "cn-north-4"
PROJECT = "0123456789abcdef0123456789abcdef"


def cluster(g):
    return f"c0ffee00-0000-4000-8000-{g:012d}"


def autopilot(g):
    return f"a1b2c3d4-0000-4000-8000-{g:012d}"


def chain_cluster(k):
    return f"c0ffee00-0000-4000-9000-{k:012d}"


def pool(g):
    return f"pool-{g:05d}"


def hcl(value, indent=2):
    """HCL text of a Python value (objects as `{ k = v }`)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        pad = " " * (indent + 2)
        inner = "\n".join(f"{pad}{k} = {hcl(v, indent + 2)}" for k, v in value.items())
        return "{\n" + inner + "\n" + " " * indent + "}"
    raise TypeError(value)


class Raw:
    """An expression written as is."""

    def __init__(self, text):
        self.text = text


class Resource:
    """One resource block, written both ways."""

    def __init__(self, kind, name, args, for_each=None, depends_on=(), body_key="values"):
        self.kind = kind  # "cce", "autopilot", "plugin"
        self.name = name
        self.args = args  # natural key and version, plain strings or Raw
        self.for_each = for_each
        self.depends_on = list(depends_on)  # (kind, name)
        self.body_key = body_key

    TYPES = {
        "cce": "huaweicloud_cce_addon",
        "autopilot": "huaweicloud_cce_autopilot_addon",
        "plugin": "huaweicloud_modelarts_pool_plugin",
    }

    def plinth(self, body):
        lines = [f'resource "{self.TYPES[self.kind]}" "{self.name}" {{']
        if self.for_each:
            lines.append(f"  for_each = {self.for_each}")
        for key, value in self.args.items():
            lines.append(f"  {key} = {hcl(value)}")
        lines.append(f"  {self.body_key} = {hcl(body(self, 'plinth'))}")
        if self.depends_on:
            deps = ", ".join(f"{self.TYPES[k]}.{n}" for k, n in self.depends_on)
            lines.append(f"  depends_on = [{deps}]")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def terraform(self, body):
        lines = [f'resource "terraform_data" "{self.kind}_{self.name}" {{']
        if self.for_each:
            lines.append(f"  for_each = {self.for_each}")
        fields = dict(self.args)
        fields[self.body_key] = body(self, "terraform")
        lines.append(f"  input = {hcl(fields)}")
        if self.depends_on:
            deps = ", ".join(f"terraform_data.{k}_{n}" for k, n in self.depends_on)
            lines.append(f"  depends_on = [{deps}]")
        lines.append("}")
        return "\n".join(lines) + "\n"


def ref(target, kind, name, attribute="id", key=None):
    """A reference to another resource's attribute in either language."""
    index = f"[{key}]" if key else ""
    if target == "plinth":
        return Raw(f"{Resource.TYPES[kind]}.{name}{index}.{attribute}")
    return Raw(f"terraform_data.{kind}_{name}{index}.output.{attribute}" if attribute != "id"
               else f"terraform_data.{kind}_{name}{index}.id")


def workload(n, chain):
    groups = max(0, (n - chain) // 8)
    extra = n - chain - 8 * groups
    last = chain - 1
    resources = []
    bodies = {}

    def add(resource, body):
        resources.append(resource)
        bodies[resource.name] = body

    for k in range(chain):
        def body(r, target, k=k):
            values = {
                "basic": {"cluster_ip": f"10.247.0.{10 + k}"},
                "flavor": {"replicas": 2, "cpu": "500m"},
                "custom": {"rev": Raw("var.rev"), "link": k},
            }
            if k > 0:
                values["custom"]["upstream"] = ref(target, "cce", f"chain_{k - 1}")
            return values
        add(Resource("cce", f"chain_{k}", {
            "cluster_id": chain_cluster(k), "template_name": "coredns", "version": "1.28.6"}), body)

    each = Raw("each.value.cluster")
    add(Resource("cce", "everest", {"cluster_id": each, "template_name": "everest",
                                    "version": Raw("var.everest_version")}, for_each="local.groups"),
        lambda r, t: {"basic": {"cluster": Raw("each.key"), "region": Raw("var.region")},
                      "custom": {"dns": ref(t, "cce", f"chain_{last}"), "rev": Raw("var.rev"),
                                 "tags": ["bench", Raw("each.key")]}})
    add(Resource("cce", "npd", {"cluster_id": each, "template_name": "npd", "version": "1.19.20"},
                 for_each="local.groups", depends_on=[("cce", "everest")]),
        lambda r, t: {"custom": {"rev": Raw("var.rev"), "rules": {"kernel": True, "disk": {"threshold": 90}}}})
    add(Resource("cce", "logs", {"cluster_id": each, "template_name": "log-agent", "version": "1.5.2"},
                 for_each="local.groups"),
        lambda r, t: {"custom": {"rev": Raw("var.rev"), "sinks": ["lts", "stdout"]},
                      "flavor": Raw("local.common.flavor")})
    ap_each = Raw("each.value.autopilot")
    add(Resource("autopilot", "metrics", {"cluster_id": ap_each, "template_name": "metrics-server",
                                          "version": "1.3.68"},
                 for_each="local.groups", depends_on=[("cce", f"chain_{last}")]),
        lambda r, t: {"custom": {"rev": Raw("var.rev"), "interval": "30s"}})
    add(Resource("autopilot", "ap_logs", {"cluster_id": ap_each, "template_name": "log-agent",
                                          "version": "1.5.2"}, for_each="local.groups"),
        lambda r, t: Raw("merge(local.common, { rev = var.rev, cluster = each.key })"))
    pool_each = Raw("each.value.pool")
    add(Resource("plugin", "gpu", {"pool_name": pool_each, "template_name": "gpu-beta",
                                   "version": "1.2.15"}, for_each="local.groups", body_key="inputs"),
        lambda r, t: {"addon": ref(t, "cce", "everest", key="each.key"), "rev": Raw("var.rev"),
                      "limits": {"gpu": 8, "memory": "64Gi"}})
    add(Resource("plugin", "agent", {"pool_name": pool_each, "template_name": "os-node-agent",
                                     "version": "6.9.0-20250527093015"},
                 for_each="local.groups", body_key="inputs"),
        lambda r, t: {"rev": Raw("var.rev"), "node": {"labels": {"bench": "true"}}})
    for g in range(groups):
        add(Resource("cce", f"volcano_{g}", {"cluster_id": cluster(g), "template_name": "volcano",
                                            "version": "1.16.7"},
                     depends_on=[("cce", f"chain_{g % chain}")]),
            lambda r, t, g=g: {"custom": {"rev": Raw("var.rev"), "queue": f"q{g}", "weight": g % 7}})
    for i in range(extra):
        add(Resource("autopilot", f"extra_{i}", {"cluster_id": autopilot(i), "template_name": "coredns",
                                                "version": "1.30.6"}),
            lambda r, t: {"custom": {"rev": Raw("var.rev")}})
    return groups, extra, resources, bodies


def common(groups):
    lines = [
        'variable "rev" {\n  default = "1"\n}\n',
        'variable "region" {\n  default = "cn-north-4"\n}\n',
        'variable "everest_version" {\n  default = "2.4.107"\n}\n',
        "locals {",
        "  common = {",
        '    flavor = { replicas = 2, cpu = "500m" }',
        "    region = var.region",
        "  }",
        "  groups = {",
    ]
    for g in range(groups):
        lines.append(f'    "g{g:05d}" = {{ cluster = "{cluster(g)}", autopilot = "{autopilot(g)}", '
                     f'pool = "{pool(g)}" }}')
    lines += ["  }", "}", ""]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--url", required=True)
    parser.add_argument("--chain", type=int, default=2)
    args = parser.parse_args()
    groups, extra, resources, bodies = workload(args.n, args.chain)

    os.makedirs(f"{args.out}/plinth", exist_ok=True)
    os.makedirs(f"{args.out}/terraform", exist_ok=True)
    provider = f'''provider "huaweicloud" {{
  region     = "{REGION}"
  access_key = "{ACCESS_KEY}"
  secret_key = "{SECRET_KEY}"
  endpoints = {{
    modelarts = "{args.url}"
    cce       = "{args.url}"
    iam       = "{args.url}"
  }}
}}

'''
    shared = common(groups)
    out = f'output "chain_end" {{\n  value = huaweicloud_cce_addon.chain_{args.chain - 1}.id\n}}\n'
    with open(f"{args.out}/plinth/main.hcl", "w") as f:
        f.write(provider + shared + "\n".join(r.plinth(bodies[r.name]) for r in resources) + "\n" + out)
    tf_out = f'output "chain_end" {{\n  value = terraform_data.cce_chain_{args.chain - 1}.id\n}}\n'
    with open(f"{args.out}/terraform/main.tf", "w") as f:
        f.write(shared + "\n".join(r.terraform(bodies[r.name]) for r in resources) + "\n" + tf_out)
    fixture = {
        "region": REGION,
        "project_id": PROJECT,
        "clusters": [chain_cluster(k) for k in range(args.chain)] + [cluster(g) for g in range(groups)],
        "autopilot_clusters": [autopilot(g) for g in range(max(groups, extra))],
        "pools": [pool(g) for g in range(groups)],
    }
    with open(f"{args.out}/fixture.json", "w") as f:
        json.dump(fixture, f)
    with open(f"{args.out}/shape.json", "w") as f:
        json.dump({"n": args.chain + 8 * groups + extra, "groups": groups, "chain": args.chain,
                   "depth": args.chain + 2, "extra": extra}, f)


if __name__ == "__main__":
    main()
