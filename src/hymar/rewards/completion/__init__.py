"""One parse of a completion into its parts: reasoning, answer sections, boxes, marker lines.

Rules, aspects and model components all read `parse_completion`'s result (see `parsed`).
"""

from hymar.rewards.completion.boxes import Box, matching_brace
from hymar.rewards.completion.markers import Marker
from hymar.rewards.completion.parsed import END_OF_TURN, ParsedCompletion, parse_completion
from hymar.rewards.completion.tags import Span, TagSection

__all__ = ["END_OF_TURN", "Box", "Marker", "ParsedCompletion", "Span", "TagSection", "matching_brace", "parse_completion"]
