"""Online feedback (在线反馈): the agency's workspace, ratings, firm replies and summaries."""
