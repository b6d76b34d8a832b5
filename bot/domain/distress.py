"""Whether a message nobody expected sounds like someone having a hard time (not risk: the
crisis detector decides that, first, and a message it flags gets the card instead).

It only chooses the first words of the bot's last-resort reply: "That sounds really hard"
and some options, rather than "I'm not sure what you meant". Missing a hard time here costs
a kinder sentence, never the crisis card, so the list stays short and plain. English, like
the crisis detector's lexicon.
"""

from __future__ import annotations

import re

__all__ = ["asks_for_help", "sounds_hard"]

_PHRASES = (
    r"(hard|bad|awful|terrible|rough|horrible|shit|crap|long) (day|night|week|time)",
    r"struggl\w*",
    r"(been|is|are|was|were|feels?|getting) (so |really |very |pretty |quite )?hard(?! to\b)",
    r"(can'?t|cannot|can not|not) cop(e|ing)",
    r"overwhelm\w*",
    r"exhaust\w*",
    r"burn(t|ed) out",
    r"worn out",
    r"(so|really|very) tired",
    r"lonel\w*",
    r"alone",
    r"isolated",
    r"scared",
    r"frightened",
    r"afraid",
    r"terrified",
    r"anxious",
    r"anxiety",
    r"panic\w*",
    r"upset",
    r"cry\w*",
    r"cried",
    r"tears",
    r"sad",
    r"miserable",
    r"stress\w*",
    r"falling apart",
    r"fall apart",
    r"too much",
    r"worried",
    r"worry\w*",
    r"(don'?t|do not) know what to do",
    r"at a loss",
    r"(feel|feeling|felt) (awful|terrible|horrible|rubbish|empty|numb|lost|low|down|"
    r"broken|worthless|useless|hopeless|sick|bad)",
    r"heartbroken",
    r"hurting",
    r"it hurts",
    r"angry",
    r"furious",
    r"rage",
    r"meltdown",
    r"spiral\w*",
    r"triggered",
    r"dysregulated",
    r"splitting",
    r"abandoned",
    r"rejected",
    r"need (someone|somebody|to talk|support)",
    r"fight with",
    r"argument with",
    r"screaming at",
    r"not ok(ay)?",
    r"not doing (well|great|good)",
    r"(really|so) hard",
)
_HARD = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b", re.IGNORECASE)
# "not struggling", "no longer scared", "never lonely", "no worries", "don't worry": said the
# other way round.
_NEGATED = re.compile(
    r"\b(not|no|no longer|never|isn'?t|wasn'?t|aren'?t|less|don'?t|do not|"
    r"without)\s+(\w+\s+)?$",
    re.IGNORECASE,
)


def sounds_hard(text: str) -> bool:
    """Whether TEXT sounds like its writer is having a hard time (a phrase from the short
    list, not said the other way round: "I'm not struggling today")."""
    plain = " ".join(text.replace("\u2019", "'").split())
    for found in _HARD.finditer(plain):
        if found.group(0).lower().startswith("not "):
            return True  # "not coping", "not ok" carry their own not
        if not _NEGATED.search(plain[: found.start()]):
            return True
    return False


_ASKS_FOR_HELP = re.compile(
    r"^\W*(?:please |pls |plz )?(?:help|help me|help pl(?:ease|s|z)|(?:i |i really )?need help"
    r"|sos|can (?:you|someone|anyone|somebody) help(?: me)?|is anyone there|anyone there"
    r"|someone help(?: me)?)(?: please| pls| plz)?\W*$",
    re.IGNORECASE,
)


def asks_for_help(text: str) -> bool:
    """True for a message that only asks for help ("help", "i need help", "sos"): it gets
    the numbers and the options first, never "I'm not sure what you meant"."""
    return bool(_ASKS_FOR_HELP.match(text.strip()))
