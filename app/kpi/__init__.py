"""`tvemicro kpi`: hypercare figures (adoption, quality, latency) from the historian's events."""
