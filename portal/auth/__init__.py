"""Login, logout and password change at the URLs of the stable contract."""
