"""Money arithmetic of the till: integer minor units, never a float.

Prices are tax-inclusive, so tax is found inside an amount, not added to it. Every split
(a discount over lines, a refund over tenders, tax over a total) is exact to the minor unit:
the parts always sum to the whole.
"""
BASIS_POINTS = 10_000  # a rate of 2000 basis points is 20 %


def tax_in(gross: int, rate_bp: int) -> int:
    """The tax inside a tax-inclusive ``gross`` at ``rate_bp`` (gross × r / (1 + r)), rounded
    half away from zero, as tax authorities round a line."""
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError(f"a tax rate is 0 to {BASIS_POINTS} basis points, not {rate_bp}")
    denominator = BASIS_POINTS + rate_bp
    tax = (2 * abs(gross) * rate_bp + denominator) // (2 * denominator)
    return tax if gross >= 0 else -tax


def share(amount: int, part_bp: int) -> int:
    """``part_bp`` basis points of ``amount``, rounded half away from zero."""
    value = (2 * abs(amount) * part_bp + BASIS_POINTS) // (2 * BASIS_POINTS)
    return value if amount >= 0 else -value


def allocate(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (non-negative, not all zero), each part a
    whole minor unit, the parts summing to ``total`` exactly: the largest remainders get the
    units left over, the earliest first on a tie."""
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("allocate needs non-negative weights that are not all zero")
    whole = sum(weights)
    sign, magnitude = (1, total) if total >= 0 else (-1, -total)
    parts = [magnitude * w // whole for w in weights]
    left = magnitude - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(magnitude * weights[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return [sign * p for p in parts]
