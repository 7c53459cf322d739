"""make chaos: fault injection against the whole running system (see __main__)."""
