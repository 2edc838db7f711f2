"""Japanese local-government codes (全国地方公共団体コード): five digits and a check digit."""

from __future__ import annotations

WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    """S = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5; check = (11 − S mod 11) mod 10."""
    total = sum(weight * int(digit) for weight, digit in zip(WEIGHTS, first_five, strict=True))
    return (11 - total % 11) % 10


def municipality_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 6-digit municipality code, or None when it is."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return f"{code!r} is not a 6-digit municipality code"
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        return f"{code!r} has a bad check digit (expected {code[:5]}{expected})"
    return None
