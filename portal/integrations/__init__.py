"""Government-platform integration in the portal: SSO views, the callback endpoint, the admin page."""
