"""Archive Outsourcing Supervision Portal (档案服务外包监管平台)."""
