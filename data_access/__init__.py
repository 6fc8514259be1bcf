"""Data layer of SPIC-monitor: settings, models, sessions, queries, access rules.

Nothing in this package imports Streamlit, so it can be tested and reused directly.
"""
