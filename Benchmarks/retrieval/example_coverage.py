#!/usr/bin/env python3
"""Label coverage of the few-shot examples LLM prompts carried, read from kept simulation
sessions (imfl simulate --keep-sessions): what retrieval.label_diverse changes in a prompt,
measurable even with a simulated annotator that ignores the examples.

    python3 Benchmarks/retrieval/example_coverage.py RESULTS_FOLDER [ARM ...]

For each arm (runs/ARM/seed-N/session/session.sqlite), over every LLM label whose prompt
carried examples, mean over seeds:
  labels/prompt  distinct labels among a prompt's examples
  all labels     share of prompts showing every label of the session
  gold shown     share of prompts with an example of the item's gold label
  on gold        share of examples whose label is the item's gold label
An example's label is the expert label it had when the LLM label was logged.
"""
import glob
import os
import sqlite3
import statistics
import sys


def run_figures(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    labels = [name for (name,) in db.execute("SELECT name FROM label ORDER BY position")]
    gold = dict(db.execute("SELECT id, gold FROM item"))
    events = db.execute(
        "SELECT id, itemId, kind, label, source, supersedes, examples FROM annotation ORDER BY id").fetchall()
    expert = {}  # item -> (event id, label) of its expert label in force
    undone = set()
    prompts = []
    for event_id, item, kind, label, source, supersedes, examples in events:
        if kind == "undo":
            undone.add(supersedes)
            expert = {i: e for i, e in expert.items() if e[0] != supersedes}
        elif kind == "label" and source in ("human", "override"):
            expert[item] = (event_id, label)
        elif kind == "label" and source == "llm" and examples:
            shown = [expert[int(i)][1] for i in examples.split(",") if int(i) in expert]
            if shown:
                prompts.append((gold[item], shown))
    if not prompts:
        return None
    return {
        "labels/prompt": statistics.mean(len(set(s)) for _, s in prompts),
        "all labels": statistics.mean(len(set(s)) == len(labels) for _, s in prompts),
        "gold shown": statistics.mean(g in s for g, s in prompts),
        "on gold": statistics.mean(sum(x == g for x in s) / len(s) for g, s in prompts),
        "prompts": len(prompts),
    }


def main():
    folder = sys.argv[1]
    arms = sys.argv[2:] or sorted(os.listdir(os.path.join(folder, "runs")))
    print("| arm | seeds | prompts per run | labels per prompt | all labels shown | gold label shown | examples on the gold label |")
    print("|---|---|---|---|---|---|---|")
    for arm in arms:
        runs = [run_figures(p) for p in sorted(glob.glob(os.path.join(folder, "runs", arm, "seed-*", "session", "session.sqlite")))]
        runs = [r for r in runs if r]
        if not runs:
            continue
        mean = {key: statistics.mean(r[key] for r in runs) for key in runs[0]}
        print(f"| {arm} | {len(runs)} | {mean['prompts']:.0f} | {mean['labels/prompt']:.2f} | "
              f"{100 * mean['all labels']:.1f}% | {100 * mean['gold shown']:.1f}% | {100 * mean['on gold']:.1f}% |")


if __name__ == "__main__":
    main()
