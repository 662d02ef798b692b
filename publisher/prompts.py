"""The prompt a decoder-only (LLM) translator gets: one segment, with the article before it.

A segment is translated with the previous few segments of the same article (their Korean
and the English already chosen for them) in the prompt, and the model is asked for the
English of the one segment only. The prompt is rendered with the model's own chat
template (``tokenizer_config.json``'s ``chat_template``, or ``chat_template.jinja``), in a
sandboxed jinja2 environment as Hugging Face renders it, so a real instruction model sees
exactly the framing it was trained with.

Pure Python plus jinja2: the fixture builder (tests/fixture/build_llm_models.py) imports it
too, so the test model is trained on exactly the prompts publisher sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

SYSTEM = "You translate Korean news into English. Reply with the English of the last Korean sentence only."
CONTEXT_SIZE = 3  # previous segments of the same article shown to the model


@dataclass(frozen=True)
class Turn:
    """One earlier segment of the article: its Korean and the English chosen for it."""

    ko: str
    en: str


def user_message(source: str, context: Sequence[Turn] = ()) -> str:
    """The user turn: the article so far (at most :data:`CONTEXT_SIZE` segments), then the segment."""
    lines = []
    if context:
        lines.append("Earlier in the article:")
        for turn in context:
            lines.append(f"Korean: {turn.ko}")
            lines.append(f"English: {turn.en}")
        lines.append("")
    lines.append("Translate this sentence:")
    lines.append(f"Korean: {source}")
    return "\n".join(lines)


def messages(source: str, context: Sequence[Turn] = ()) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user_message(source, context)}]


class TemplateError(ValueError):
    """The model's chat template does not render."""


@lru_cache(maxsize=8)
def _compiled(template: str):
    from jinja2.exceptions import TemplateError as JinjaError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    try:
        return env.from_string(template)
    except JinjaError as exc:
        raise TemplateError(f"the chat template does not parse: {exc}") from None


def render_chat(template: str, chat: list[dict], special: dict[str, str] | None = None) -> str:
    """The prompt text: ``chat`` rendered with ``template`` and a generation prompt."""
    from jinja2.exceptions import TemplateError as JinjaError

    try:
        return _compiled(template).render(messages=chat, add_generation_prompt=True, **(special or {}))
    except JinjaError as exc:
        raise TemplateError(f"the chat template does not render: {exc}") from None
