"""Rule packs: YAML data (resources/rules) loaded into typed, validated rules.

Public API: `load_pack(path=None) -> RulePack`, `RulePackError`, the rule dataclasses in
`coach.rules.kinds` and the phrase grammar in `coach.rules.grammar`.
"""

from __future__ import annotations

from coach.rules.pack import RulePack, load_pack
from coach.rules.yamlmarks import RulePackError

__all__ = ["RulePack", "RulePackError", "load_pack"]
