#!/usr/bin/env python3
"""The realistic scenario of bench/run: many add-ons and plug-ins per cluster and pool.

    realistic.py gen N OUT_DIR --url URL --clusters C --pools P
        writes OUT_DIR/plinth/main.hcl and OUT_DIR/fixture.json: N resources, the plug-ins first
        (up to the 5 templates of the catalogue in each of the P pools), then CCE add-ons (up to
        the 8 templates of the catalogue in each of the C clusters), one `for_each` block per
        template over the clusters or pools that have it. Every resource's values carry var.rev.
    realistic.py requests URL
        prints the emulator's request count and its 429s (GET /_emulator/requests), tab-separated
    realistic.py report RESULTS_TSV
        prints the medians of the rows bench/run appended: scenario, mode, run, seconds,
        requests, throttled
"""

import argparse
import json
import os
import statistics
import sys
import urllib.request

ACCESS_KEY = "AKBENCH0000000000001"
SECRET_KEY = "SKbenchSecretKey000000000000000000000000"
REGION = "cn-north-4"
PROJECT = "0123456789abcdef0123456789abcdef"

# The catalogue's templates (crates/emulator/src/catalogue.json), each installed once per cluster
# or pool.
ADDONS = [("coredns", "1.28.6"), ("everest", "2.4.107"), ("metrics-server", "1.3.68"),
          ("node-local-dns", "1.6.44"), ("npd", "1.19.20"), ("log-agent", "1.5.2"),
          ("volcano", "1.16.7"), ("gpu-beta", "2.7.19")]
PLUGINS = [("gpu-beta", "1.2.15"), ("os-node-agent", "6.9.0-20250527093015"),
           ("node-local-dns", "1.6.44"), ("log-agent", "1.5.2"), ("volcano", "1.16.7")]


def cluster(i):
    return f"c0ffee00-0000-4000-8000-{i:012d}"


def pool(i):
    return f"pool-{i:05d}"


def spread(n, places, templates):
    """How many of `places` get each template, template by template, up to n in all."""
    counts = []
    for _ in templates:
        take = min(places, n)
        counts.append(take)
        n -= take
    return counts, n


def gen(args):
    plugin_counts, rest = spread(args.n, args.pools, PLUGINS)
    addon_counts, left = spread(rest, args.clusters, ADDONS)
    if left:
        sys.exit(f"realistic.py: {args.n} resources do not fit {args.clusters} clusters of "
                 f"{len(ADDONS)} add-ons and {args.pools} pools of {len(PLUGINS)} plug-ins")
    blocks = []

    def block(kind, name, places, key, template, version, body_key):
        names = ", ".join(json.dumps(p) for p in places)
        blocks.append(f'''resource "{kind}" "{name}" {{
  for_each      = toset([{names}])
  {key} = each.key
  template_name = "{template}"
  version       = "{version}"
  {body_key} = {{
    basic  = {{ region = "{REGION}" }}
    flavor = {{ replicas = 2, cpu = "500m", memory = "512Mi" }}
    custom = {{ rev = var.rev, owner = "platform", tier = each.key }}
  }}
}}
''')

    for (template, version), count in zip(PLUGINS, plugin_counts):
        if count:
            block("huaweicloud_modelarts_pool_plugin", f"plugin_{template.replace('-', '_')}",
                  [pool(i) for i in range(count)], "pool_name", template, version, "inputs")
    for (template, version), count in zip(ADDONS, addon_counts):
        if count:
            block("huaweicloud_cce_addon", f"addon_{template.replace('-', '_')}",
                  [cluster(i) for i in range(count)], "cluster_id", template, version, "values")
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

variable "rev" {{
  default = 1
}}

'''
    os.makedirs(f"{args.out}/plinth", exist_ok=True)
    with open(f"{args.out}/plinth/main.hcl", "w") as f:
        f.write(provider + "\n".join(blocks))
    fixture = {
        "region": REGION,
        "project_id": PROJECT,
        "clusters": [cluster(i) for i in range(args.clusters)],
        "pools": [pool(i) for i in range(args.pools)],
    }
    with open(f"{args.out}/fixture.json", "w") as f:
        json.dump(fixture, f)


def requests(args):
    with urllib.request.urlopen(f"{args.url}/_emulator/requests") as answer:
        counts = json.load(answer)
    print(f"{counts['total']}\t{counts['by_status'].get('429', 0)}")


def report(args):
    rows = {}
    with open(args.results) as f:
        for line in f:
            scenario, mode, _run, seconds, total, throttled = line.rstrip("\n").split("\t")
            rows.setdefault((scenario, mode), []).append(
                (float(seconds), int(total), int(throttled)))
    print("| scenario | reads | runs | wall time (median) | requests (median) | throttled (429) |")
    print("|---|---|---:|---:|---:|---:|")
    for (scenario, mode), runs in rows.items():
        seconds = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        throttled = statistics.median(r[2] for r in runs)
        share = f"{throttled:.0f} ({100 * throttled / total:.1f}%)" if total else "0"
        print(f"| {scenario} | {mode} | {len(runs)} | {seconds:.2f} s | {total:.0f} | {share} |")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("gen")
    g.add_argument("n", type=int)
    g.add_argument("out")
    g.add_argument("--url", required=True)
    g.add_argument("--clusters", type=int, required=True)
    g.add_argument("--pools", type=int, required=True)
    r = commands.add_parser("requests")
    r.add_argument("url")
    p = commands.add_parser("report")
    p.add_argument("results")
    args = parser.parse_args()
    {"gen": gen, "requests": requests, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
