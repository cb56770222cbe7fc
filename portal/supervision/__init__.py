"""Online supervision (在线监管): dashboard, alerts, inspections, rectification, notices, liaison, exports."""
