"""The machine's config schema and loader: a leaf every layer may import; imports no layer."""
