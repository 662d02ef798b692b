"""Build random-weight CTranslate2 models at the REAL shapes of the T5 and LLM families.

For ``bench_kinds.py`` (timing only: the weights are random, the output is noise): the
real architecture and size (MADLAD-400 3B, Qwen2.5-Instruct 0.5B / 1.5B / 7B) made with
``transformers`` from its published configuration, random initialisation in bfloat16, saved
and converted to int8 with CTranslate2's own converter, exactly as a newsroom converts the
real model with ``ct2-transformers-converter --quantization int8``. The tokenizers are the
tiny fixtures' (tests/fixture/ko_en_test_t5, ko_en_test_llm): the converter pads the
vocabulary to the real size, so the embedding and output matrices have their real rows.

Runs in the fixture environment (torch + transformers never enter .venv) and writes into
``$PUBLISHER_CACHE_DIR/bench-shapes/<name>/`` (default ~/.cache/publisher), once: a shape
already built is kept. Nothing here is ever committed.

    .venv-fixture/bin/python tests/bench/build_shapes.py [madlad-3b qwen-0.5b qwen-1.5b qwen-7b]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixture"

# The published configurations (config.json of each model), without the weights.
SHAPES = {
    "madlad-3b": ("t5", dict(vocab_size=256000, d_model=1024, d_kv=128, d_ff=8192, num_layers=32, num_decoder_layers=32,
                             num_heads=16, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                             pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)),
    "qwen-0.5b": ("llm", dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                              num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
                              max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6)),
    "qwen-1.5b": ("llm", dict(vocab_size=151936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                              num_attention_heads=12, num_key_value_heads=2, tie_word_embeddings=True,
                              max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6)),
    "qwen-7b": ("llm", dict(vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                            num_attention_heads=28, num_key_value_heads=4, tie_word_embeddings=False,
                            max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6)),
}
DEFAULT = ["madlad-3b", "qwen-0.5b", "qwen-1.5b"]


def shapes_dir() -> Path:
    env = os.environ.get("PUBLISHER_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "publisher"
    return base / "bench-shapes"


def build(name: str) -> Path:
    import torch
    from ctranslate2.converters import TransformersConverter

    family, config = SHAPES[name]
    out = shapes_dir() / name
    if (out / "model.bin").is_file():
        print(f"{name}: already built in {out}")
        return out
    torch.manual_seed(1234)
    torch.set_default_dtype(torch.bfloat16)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"shape-{name}-", dir=shapes_dir().parent) as tmp:
        work = Path(tmp) / "hf"
        work.mkdir()
        if family == "t5":
            from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

            for f in ("spiece.model",):
                shutil.copy(FIXTURES / "ko_en_test_t5" / f, work / f)
            (work / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "legacy": False}))
            tok = AutoTokenizer.from_pretrained(str(work))
            model = T5ForConditionalGeneration(T5Config(**config))
            copy = ["spiece.model"]
        else:
            from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

            for f in ("tokenizer.json", "tokenizer_config.json"):
                shutil.copy(FIXTURES / "ko_en_test_llm" / f, work / f)
            tok = AutoTokenizer.from_pretrained(str(work))
            cfg = Qwen2Config(**config, eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"))
            model = Qwen2ForCausalLM(cfg)
            copy = ["tokenizer.json", "tokenizer_config.json"]
        params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {params / 1e9:.2f} B parameters, initialised in {time.perf_counter() - t0:.0f} s", flush=True)
        model.save_pretrained(work)
        tok.save_pretrained(work)
        del model
        staging = Path(tmp) / name
        TransformersConverter(str(work), copy_files=copy).convert(str(staging), quantization="int8", force=True)
        (staging / "publisher-model.json").write_text(json.dumps(
            {"name": f"bench-random-{name}", "version": "0", "test_fixture": True,
             "note": "RANDOM WEIGHTS at a real model's shape, for timing only: not a translator."}))
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.move(str(staging), out)
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"{name}: int8 {size:.0f} MB in {out}, built in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def main(argv: list[str]) -> int:
    names = argv or DEFAULT
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        print(f"Error: unknown shape {unknown[0]!r}; choose from {', '.join(SHAPES)}", file=sys.stderr)
        return 2
    for name in names:
        build(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
