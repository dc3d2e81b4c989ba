"""Customer engagement: lifecycle and revenue data, and the figures computed from them."""
