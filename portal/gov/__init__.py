"""Integration with the government-services platform: port, HTTP adapter, fake, sandbox."""
