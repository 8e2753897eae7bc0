"""MatcherService: check-worthy claims, wire evidence with stance, and citation checks."""
