"""Write a reduced copy of an authors' Fig. 3 params.json (other seeds / fewer epochs) for their runner.py.

Runs under either environment (standard library only); never writes into the authors' folder. Used to
cross-check ``run_side.py`` against their own ``runner.py`` on a short run. Prints the path of the new
params.json (runner.py writes model.pkl and its plots next to it).

Usage::

    python make_params.py --authors PATH/numpy_model --out DIR --size 4-2-1 --model errormc \\
        --seeds 56789 12345 23456 --epochs 50
"""

import argparse
import json
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--authors", default=os.environ.get("EMC_ROOT"), help="the authors' numpy_model folder (default: $EMC_ROOT)"
    )
    ap.add_argument("--out", required=True, help="directory under which the new params.json is written")
    ap.add_argument("--size", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[56789, 12345, 23456])
    ap.add_argument("--epochs", type=int, required=True)
    a = ap.parse_args()
    if not a.authors:
        ap.error("--authors (or $EMC_ROOT) is required")
    root = os.path.join(a.authors, "experiments", "Fig3_multilayer_comparison")
    with open(os.path.join(root, a.size, a.model, "params.json")) as f:
        p = json.load(f)
    p["random_seed"] = a.seeds
    p["epochs"] = a.epochs
    d = os.path.join(a.out, a.size, f"{a.model}_s{len(a.seeds)}_e{a.epochs}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "params.json"), "w") as f:
        json.dump(p, f, indent=1)
    print(os.path.join(d, "params.json"))


if __name__ == "__main__":
    main()
