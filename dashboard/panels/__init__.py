"""The panels of the private /sage page, one module each (cost, usage, demographics,
sentiment, crisis); shaping.py holds what they share in data, markup.py in HTML."""
