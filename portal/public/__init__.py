"""Pages anyone may open: landing page, health check and the public firm directory."""
