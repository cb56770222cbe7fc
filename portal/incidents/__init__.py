"""Security incident reports (安全事件) and their handling by regulators."""
