"""Running the bot in production: metrics, the health/metrics HTTP endpoint, logging setup."""
