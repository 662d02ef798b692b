"""Build a randomly initialised CTranslate2 Transformer and a matching SentencePiece model.

Used by ``bench_translate.py`` (timing only: the weights are random, the output is
noise) and handy for quick experiments. Nothing built here is ever committed.

Vocabulary choice: a real SentencePiece BPE model is trained on the given Korean
text (a few hundred pieces is all a short text supports), and the CTranslate2
vocabulary is that model's pieces *followed by synthetic filler pieces* up to
``vocab_size`` (32k for the Transformer-base shape). Tokenisation therefore behaves
like a real package's tokenizer, while the embedding and output-projection matrices
have the full 32k rows that dominate a real model's decoding cost.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


def train_sentencepiece(sentences: list[str], out_prefix: Path, vocab_size: int = 800) -> Path:
    """Train a BPE SentencePiece model with argos's id layout (unk 0, <s> 1, </s> 2, pad 3)."""
    import sentencepiece as spm

    text = "\n".join(s for s in sentences if s.strip())
    model = io.BytesIO()
    kwargs = dict(
        sentence_iterator=iter(text.splitlines()),
        model_writer=model,
        model_type="bpe",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=3,
        byte_fallback=False,
        minloglevel=2,
    )
    spm.SentencePieceTrainer.train(**kwargs)
    path = Path(str(out_prefix) + ".model")
    path.write_bytes(model.getvalue())
    return path


def _linear(rng, out_dim: int, in_dim: int) -> tuple[np.ndarray, np.ndarray]:
    w = rng.standard_normal((out_dim, in_dim), dtype=np.float32) * (1.0 / np.sqrt(in_dim))
    return w, np.zeros(out_dim, dtype=np.float32)


def _fill(spec, rng, d: int, ffn: int, vocab: int) -> None:
    from ctranslate2.specs import attention_spec

    def norm(ln):
        ln.gamma = np.ones(d, dtype=np.float32)
        ln.beta = np.zeros(d, dtype=np.float32)

    def lin(l, out_dim, in_dim):
        l.weight, l.bias = _linear(rng, out_dim, in_dim)

    def attention(a: attention_spec.MultiHeadAttentionSpec, self_attention: bool):
        norm(a.layer_norm)
        if self_attention:
            lin(a.linear[0], 3 * d, d)
            lin(a.linear[1], d, d)
        else:
            lin(a.linear[0], d, d)
            lin(a.linear[1], 2 * d, d)
            lin(a.linear[2], d, d)

    def ffn_layer(f):
        norm(f.layer_norm)
        lin(f.linear_0, ffn, d)
        lin(f.linear_1, d, ffn)

    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = rng.standard_normal((vocab, d), dtype=np.float32) * 0.05
    norm(enc.layer_norm)
    for layer in enc.layer:
        attention(layer.self_attention, True)
        ffn_layer(layer.ffn)
    dec.embeddings.weight = rng.standard_normal((vocab, d), dtype=np.float32) * 0.05
    norm(dec.layer_norm)
    lin(dec.projection, vocab, d)
    for layer in dec.layer:
        attention(layer.self_attention, True)
        attention(layer.attention, False)
        ffn_layer(layer.ffn)


def build_random_transformer(
    out_dir: Path,
    sp_model: Path,
    *,
    layers: int = 6,
    d_model: int = 512,
    ffn: int = 2048,
    heads: int = 8,
    vocab_size: int = 32000,
    quantization: str | None = None,
    seed: int = 1234,
) -> Path:
    """Save a CTranslate2 model with random weights and a shared vocabulary; return out_dir."""
    import sentencepiece as spm
    from ctranslate2.specs import transformer_spec

    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if len(pieces) < vocab_size:
        pieces += [f"\u2983f{i}\u2984" for i in range(vocab_size - len(pieces))]
    spec = transformer_spec.TransformerSpec.from_config((layers, layers), heads)
    rng = np.random.default_rng(seed)
    _fill(spec, rng, d_model, ffn, len(pieces))
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    spec.optimize(quantization=quantization)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))
    return out_dir
