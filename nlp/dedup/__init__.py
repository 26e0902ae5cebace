"""Near-duplicate detection.  The defaults live here, free of NumPy, so that the CLI can show them in
its help without loading the MinHash code."""

THRESHOLD = 0.5  # estimated Jaccard similarity of token-bigram shingles
CONTAINMENT = 0.7  # estimated share of the shorter text's shingles that are in the longer one
