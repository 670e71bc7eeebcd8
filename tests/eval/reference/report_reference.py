"""nltk's corpus BLEU-1..4 (no smoothing) and sentence METEOR restricted to exact matches (identity
stemmer, no WordNet) for the token lists in DIR/reports.json ([{"generated": [...], "references":
[[...], ...]}, ...]). Writes DIR/reference.json.

usage: report_reference.py DIR
"""
import json
import sys
import warnings

from nltk.translate.bleu_score import corpus_bleu
from nltk.translate.meteor_score import meteor_score


class Identity:
    def stem(self, word):
        return word


class NoWordNet:
    def synsets(self, *args, **kwargs):
        return []


folder = sys.argv[1]
with open(f"{folder}/reports.json") as f:
    reports = json.load(f)
hyps = [r["generated"] for r in reports]
refs = [r["references"] for r in reports]
weights = [(1, 0, 0, 0), (0.5, 0.5, 0, 0), (1 / 3, 1 / 3, 1 / 3, 0), (0.25, 0.25, 0.25, 0.25)]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # nltk warns when an n-gram order has no match (the score is 0)
    bleu = [corpus_bleu(refs, hyps, weights=w) for w in weights]
meteor = [meteor_score(r, h, stemmer=Identity(), wordnet=NoWordNet()) for h, r in zip(hyps, refs)]
with open(f"{folder}/reference.json", "w") as f:
    json.dump({"bleu": bleu, "meteor": meteor}, f)
