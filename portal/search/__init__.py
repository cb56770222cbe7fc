"""Search (搜索): one box in the header finds filings, firms, agencies and staff the user may see."""
