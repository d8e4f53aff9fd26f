#!/usr/bin/python3
"""A PyTorch MLP tried on challenge levels, beside the lab's breaker of each.

For each level named (default: parity-lab and clwe-lab, docs/challenges.md)
it takes the level's public instance with hardnets.challenge(NAME), trains a
small MLP (PyTorch: 128 ReLUs, Adam, batch 64, 50 epochs, square loss) on the
training set, has the level's problem judge the test predictions (the truth
stays inside hardnets), and records the run with hardnets.record. It also
fits the lab's named breaker of the level and records it. `hardnets report`
on the database then has a scoreboard page with both. About 10 s on 2 cores.

Usage (Debian's python, with the module built by `make build`):
  PYTHONPATH=build/python /usr/bin/python3 examples/torch_challenge.py --db DB [--report DIR]
      [--level NAME ...]
"""
import argparse
import sys
import time

import torch

import hardnets


def train_mlp(inst, width=128, epochs=50, seed=1):
    """Test predictions of a one-hidden-layer ReLU MLP trained with Adam."""
    torch.manual_seed(seed)
    X = torch.tensor(inst.X_train, dtype=torch.float32)  # a copy: the views are read-only
    y = torch.tensor(inst.y_train, dtype=torch.float32)
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], width), torch.nn.ReLU(),
                                torch.nn.Linear(width, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        order = torch.randperm(X.shape[0])
        for i in range(0, X.shape[0], 64):
            rows = order[i:i + 64]
            optimiser.zero_grad()
            torch.nn.functional.mse_loss(model(X[rows]).squeeze(1), y[rows]).backward()
            optimiser.step()
    with torch.no_grad():
        return model(torch.tensor(inst.X_test, dtype=torch.float32)).squeeze(1).double().numpy()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="results database (created if missing)")
    parser.add_argument("--report", help="also write `hardnets report` into this folder")
    parser.add_argument("--level", action="append", help="a level (repeatable)")
    args = parser.parse_args(argv)
    levels = {level["name"]: level for level in hardnets.challenges()}
    print(f"{'level':<12} {'learner':<14} {'solved':<7} {'metric':<10} seconds")
    for name in args.level or ["parity-lab", "clwe-lab"]:
        if name not in levels:
            sys.exit(f"unknown level {name}")
        level = levels[name]
        metric = level["success"].split(" >= ")[0]
        inst = hardnets.challenge(name)
        start = time.perf_counter()
        predictions = train_mlp(inst)
        seconds = time.perf_counter() - start
        metrics = inst.judge(predictions)
        metrics["seconds"] = seconds
        hardnets.record(args.db, inst, "torch_mlp", metrics,
                        {"width": 128, "epochs": 50, "lr": 1e-3, "batch": 64},
                        provenance={"torch": torch.__version__})
        mlp_solved = metrics.get(metric, 0) >= 1
        print(f"{name:<12} {'torch_mlp':<14} {str(mlp_solved):<7} {metric:<10} {seconds:.2f}")
        params = {k: v for k, v in level["breaker_params"].items()}
        fit = hardnets.fit(level["breaker"], inst, params=params)
        fit.record(args.db)
        solved = fit.metrics.get(metric, 0) >= 1
        print(f"{name:<12} {level['breaker']:<14} {str(solved):<7} {metric:<10} "
              f"{fit.metrics['seconds']:.2f}")
    if args.report:
        sys.stdout.flush()
        hardnets.report(args.db, args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
