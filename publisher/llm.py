"""The decoder-only engine: an instruction model run by CTranslate2's ``Generator``.

A segment is sent as a chat (publisher.prompts: a system line, then the user turn with the
previous few segments of the same article and the segment itself), rendered with the
model's own chat template and tokenized with its Hugging Face ``tokenizer.json`` through
the ``tokenizers`` library: no torch, no transformers at run time. Decoding is greedy or
beam search (``TranslateSettings.beam_size``), never sampling, so a rebuild gives the same
English. What the model writes is kept whole: anything beyond one English rendering of the
segment (an explanation, a second sentence, Korean left in, a refusal) is what the guard
check (:func:`publisher.checks.check_rendering`) flags, so it is never published as clean.

One ``generate_batch`` call per batch of prompts (the translator asks for every article's
next segment at once), bounded like the MT engines: at most ``length_ratio * source
tokens + length_extra`` new tokens per prompt, grouped into length buckets under beam
search as :func:`publisher.decoding.plan_calls` does for translation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from .decoding import TranslateSettings, plan_calls, segment_bounds
from .document import ModelError, ModelInfo
from .engine import TranslationStats, usable_compute_type
from .models import LoadedModel
from .prompts import CONTEXT_SIZE, TemplateError, Turn, messages, render_chat

log = logging.getLogger(__name__)


def _stop_at_bounds(bounds: list[int]):
    """Greedy: each prompt stops at its own output bound (``bounds[batch_id]``).

    A Generator batch starts decoding where its shortest prompt ends and feeds the rest of the
    longer prompts first, so ``step.step`` of a longer prompt starts later; the first step seen
    for each prompt is its start (the translate_batch callback of publisher.decoding needs no
    such offset)."""
    first: dict[int, int] = {}

    def stop(step) -> bool:
        start = first.setdefault(step.batch_id, step.step)
        return step.step - start + 1 >= bounds[step.batch_id]

    return stop


class GeneratorEngine:
    """A decoder-only model on this machine: its tokenizer, its chat template and one
    CTranslate2 Generator, loaded on the first call."""

    context_size = CONTEXT_SIZE  # the translator sends this many earlier segments of the article

    def __init__(self, model: LoadedModel, settings: TranslateSettings | None = None) -> None:
        layout = model.layout
        if layout is None or layout.tokenizer is None or not layout.chat_template:
            raise ModelError(f"{model.model_dir} is not a decoder-only model with tokenizer.json and a chat template")
        self.model = model
        self.settings = settings or TranslateSettings()
        self.compute_type: str | None = None
        self._gen = None
        self._tok = None

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def prompt(self, text: str, context: Sequence[Turn] = ()) -> str:
        """The prompt text for one segment (the chat template rendered with a generation prompt)."""
        layout = self.model.layout
        try:
            return render_chat(layout.chat_template, messages(text, list(context)[-self.context_size:]), dict(layout.special_tokens))
        except TemplateError as exc:
            raise ModelError(f"{self.model.model_dir}: {exc}; fix the model's chat template") from None

    def encode(self, prompts: Sequence[str]) -> list[list[str]]:
        tok = self._tokenizer()
        return [e.tokens for e in tok.encode_batch(list(prompts), add_special_tokens=False)]

    def translate_texts(self, texts: list[str], stats: TranslationStats, contexts: Sequence[Sequence[Turn]] | None = None) -> list[str]:
        """Raw English for prepared texts, each with its context (earlier segments of its article)."""
        if not texts:
            return []
        contexts = contexts or [()] * len(texts)
        generator = self._generator()
        prompts = self.encode([self.prompt(t, c) for t, c in zip(texts, contexts)])
        # the output bound follows the segment's own length, not the prompt's
        sources = self.encode(texts)
        start = time.perf_counter()
        outputs: list[list[int] | None] = [None] * len(prompts)
        end = self._end_token()
        for indices, kwargs in plan_calls(self.settings, sources, ()):
            batch = [prompts[i] for i in indices]
            results = generator.generate_batch(
                batch,
                max_length=kwargs["max_decoding_length"],
                beam_size=kwargs["beam_size"],
                length_penalty=kwargs["length_penalty"],
                repetition_penalty=kwargs["repetition_penalty"],
                no_repeat_ngram_size=kwargs["no_repeat_ngram_size"],
                max_batch_size=kwargs["max_batch_size"],
                batch_type=kwargs["batch_type"],
                sampling_topk=1,
                include_prompt_in_result=False,
                end_token=end,
                **({"callback": _stop_at_bounds(segment_bounds(self.settings, [sources[i] for i in indices]))} if "callback" in kwargs else {}),
            )
            for i, result in zip(indices, results):
                outputs[i] = result.sequences_ids[0]
                stats.output_tokens += len(result.sequences_ids[0])
            stats.decode_calls += 1
        stats.model_seconds += time.perf_counter() - start
        stats.model_calls += 1
        stats.translated += len(texts)
        tok = self._tokenizer()
        return [self.decode(tok, ids or []) for ids in outputs]

    @staticmethod
    def decode(tok, ids: Sequence[int]) -> str:
        """The model's answer as text: special tokens dropped, whitespace at the ends removed.
        Everything it wrote is kept here; the guard check judges it."""
        return tok.decode(list(ids), skip_special_tokens=True).strip()

    def _end_token(self) -> str | list[str]:
        special = dict(self.model.layout.special_tokens)
        ends = [t for t in (special.get("eos_token"), "<|im_end|>", "<|eot_id|>", "<|endoftext|>") if t]
        vocab = self._tokenizer().get_vocab()
        present = [t for t in dict.fromkeys(ends) if t in vocab]
        return present or ends[:1]

    # ---------------------------------------------------------------- resources, loaded once

    def _tokenizer(self):
        if self._tok is None:
            from tokenizers import Tokenizer

            try:
                self._tok = Tokenizer.from_file(str(self.model.layout.tokenizer))
            except Exception as exc:  # tokenizers raises its own Exception type for a bad file
                raise ModelError(f"cannot load the tokenizer {self.model.layout.tokenizer}: {exc}; convert the model again") from None
        return self._tok

    def _generator(self):
        if self._gen is None:
            import ctranslate2

            s = self.settings
            compute_type = usable_compute_type(s)
            try:
                self._gen = ctranslate2.Generator(
                    str(self.model.model_dir), device=s.device, compute_type=compute_type,
                    inter_threads=s.inter_threads, intra_threads=s.intra_threads,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"cannot load the model in {self.model.model_dir}: {exc}; convert it again") from None
            self.compute_type = compute_type
        return self._gen
