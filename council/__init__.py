"""council-cycle: the yearly cycle of a prefecture–municipality collaboration council.

The core (this package) computes plans, documents and feeds from data and never imports Prefect;
`flows/` orchestrates it and `models/` holds the tables.
"""
