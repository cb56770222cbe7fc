"""Site security checks (日巡查、周检查、月排查、季考核) on every outsourced project site."""
