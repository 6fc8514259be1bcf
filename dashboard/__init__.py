"""Streamlit side of SPIC-monitor: auth, filter bar, formatting, charts and components."""
