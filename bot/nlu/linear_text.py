"""One text classifier for the project's own NLU components: TF-IDF over character n-grams
(they survive SMS spelling, typos and missing accents: "inscrir", "insription" and "inscription"
share most of theirs) and over words, then a logistic regression.

On resident messages written outside the project this plain linear model transferred 13 to 17
points better than DIET trained on the same examples (shared/notes/nlu-findings.md); it trains in
seconds and predicts in well under a millisecond.
"""

import re
from typing import List, Optional

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


def linear_text_classifier(c: float, class_weight: Optional[str] = None) -> Pipeline:
    """An untrained pipeline: `fit(texts, labels)`, then `predict_proba(texts)`."""
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), strip_accents="unicode",
                                  lowercase=True, sublinear_tf=True, min_df=2)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), strip_accents="unicode",
                                  lowercase=True, sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
    ])
    model = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
    return Pipeline([("features", features), ("model", model)])


# Sentences, and the clauses a long story strings together with "mais", "alors"…
_SENTENCE_END = re.compile(
    r"(?<=[.!?;:])\s+|\s*\n\s*|\s*,?\s+(?:mais|alors|sauf que|et puis)\s+",
    re.IGNORECASE,
)


def segments(text: str) -> List[str]:
    """The whole message, then each of its sentences and clauses when there are several."""
    parts = [part for part in _SENTENCE_END.split(text) if part and len(part.split()) >= 2]
    return [text] + (parts if len(parts) > 1 else [])
