"""Bad-rating follow-up (差评整改): a rating of 1 or 2 is answered by the firm and confirmed by the agency."""
