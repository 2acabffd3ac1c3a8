"""Seeds: a fresh one to print, and one derived from it per test or per check.

One place, so the pytest plugin, the factory and the conformance suite agree on what a
seed looks like and how a sub-seed follows from it.
"""

from __future__ import annotations

from random import Random, SystemRandom

SEED_LIMIT = 10**9  # fresh seeds stay short enough to read aloud and type back


def new_seed() -> int:
    """A fresh random seed in ``[1, SEED_LIMIT)``."""
    return SystemRandom().randrange(1, SEED_LIMIT)


def derive_seed(seed: int, name: str) -> int:
    """A sub-seed, stable for ``(seed, name)`` whatever the order things run in.

    ``Random(str)`` hashes the whole string (SHA-512), and ``random()`` after a given seed
    is the sequence Python promises to keep across versions.
    """
    return int(Random(f"{seed}\x00{name}").random() * 2**53)
