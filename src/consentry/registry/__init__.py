"""The registry's pure core: identifiers, parties, works, mandates, terms and decisions."""
