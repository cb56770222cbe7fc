"""Each user's home page and inbox."""
