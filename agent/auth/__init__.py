"""Who is asking: API keys with roles, and browser sessions made from them."""
