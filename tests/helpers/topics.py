"""A codebook of three everyday topics, for the builtin model's coding tests: its codes'
names and descriptions say enough for zero-shot coding."""

from __future__ import annotations

from llmstudio.core.codebook import Code, Codebook

TOPICS = Codebook(
    codes=(
        Code("sports", "Games, matches, athletes."),
        Code("cooking", "Recipes and food."),
        Code("weather", "Rain, sun, temperatures, storms."),
    ),
    name="topics",
)
