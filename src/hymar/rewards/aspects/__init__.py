"""Instruction-adherence aspects: does a response follow the format and what the prompt asks?

Each aspect is a `PerSampleComponent` giving a Score in [0, 1] (1 = fully adherent), not applicable
when the prompt states nothing it checks, invalid when it cannot judge:

=============  ========================  ===============================================
name           class                     checks
=============  ========================  ===============================================
format         FormatAspect              <think>/<answer> (or \\boxed{}) structure
answer_form    AnswerFormAspect          final answer is a word / number / letter / box / JSON
length_limit   LengthLimitAspect         word and sentence limits
keywords       KeywordAspect             required and banned keywords
language       LanguageAspect            answer language
reasoning      ReasoningAspect           reasoning given (or omitted) as asked
adherence      InstructionAdherence      weighted mean of the applicable aspects above
=============  ========================  ===============================================

What a prompt asks is read by `parse_constraints` (phrasings listed in
`hymar.rewards.aspects.phrasings` and docs/aspects.md) and may be given or overridden per sample by
``Sample.constraints`` (`Constraints.from_mapping`).

Every name above is an entry of the one component registry (`hymar.rewards.registry`), so each can be
named in a reward config (``components.X.type``) as well as folded into ``adherence``.
"""

from hymar.rewards.aspects.constraints import Constraints, constraints_for, parse_constraints
from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.format import FormatAspect
from hymar.rewards.aspects.answer_form import AnswerFormAspect
from hymar.rewards.aspects.length_limits import LengthLimitAspect
from hymar.rewards.aspects.keywords import KeywordAspect
from hymar.rewards.aspects.language import LanguageAspect
from hymar.rewards.aspects.reasoning import ReasoningAspect
from hymar.rewards.aspects.adherence import InstructionAdherence, score_aspects

__all__ = [
    "AnswerFormAspect",
    "Aspect",
    "Constraints",
    "FormatAspect",
    "InstructionAdherence",
    "KeywordAspect",
    "LanguageAspect",
    "LengthLimitAspect",
    "ReasoningAspect",
    "constraints_for",
    "parse_constraints",
    "score_aspects",
]
